import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.models import ApiToken
from accounts.roles import Role

PASSWORD = "correct horse battery"  # every factory user's password


class UserFactory(factory.django.DjangoModelFactory):
    """A user; ``roles=[Role.CLINICIAN]`` adds the role groups."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create:
            self.save()
        for role in extracted or []:
            self.groups.add(Group.objects.get(name=Role(role).value))


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """An API token; ``ApiTokenFactory(key="wc_...")`` sets a known key (only its hash is
    stored, as the service does)."""

    class Meta:
        model = ApiToken

    class Params:
        key = factory.Sequence(lambda n: f"wc_factory-key-{n:06d}")

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"script {n}")
    prefix = factory.LazyAttribute(lambda token: token.key[:8])
    key_hash = factory.LazyAttribute(lambda token: ApiToken.hash_key(token.key))
