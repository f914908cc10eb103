"""A custom Wagtail document model: the package must work with one."""

from django.db import models
from wagtail.documents.models import AbstractDocument, Document


class CaseDocument(AbstractDocument):
    case_number = models.CharField(max_length=50, blank=True)

    admin_form_fields = Document.admin_form_fields + ("case_number",)
