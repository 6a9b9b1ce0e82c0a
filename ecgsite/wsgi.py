import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecgsite.settings.production")
django_application = get_wsgi_application()

from classifier.services import upload_request_max_bytes  # noqa: E402 (needs the apps loaded)
from ecgsite.chunked import ChunkedBodies  # noqa: E402

application = ChunkedBodies(django_application, max_bytes=upload_request_max_bytes)
