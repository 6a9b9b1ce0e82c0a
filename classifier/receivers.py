"""Model signal receivers of the classifier app (connected in ``ClassifierConfig.ready``)."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from classifier import services
from classifier.models import Recording


@receiver(post_delete, sender=Recording, dispatch_uid="classifier_recording_file_delete")
def delete_stored_file(sender, instance: Recording, **kwargs) -> None:
    """Every deletion path (the service, the admin, a queryset) removes the stored file."""
    services.stored_file_delete_on_commit(instance)
