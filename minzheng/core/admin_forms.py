"""Back-office forms whose save goes through a service.

The admin runs each change inside a transaction; the form calls its service from `_post_clean`
so the service's validation errors (Chinese, naming the field) appear on the form, and the
object saved by the service is what the admin then shows. `save()` never writes by itself.
"""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError


class ServiceModelForm(forms.ModelForm):
    actor = None  # set by the ModelAdmin's get_form

    def call_service(self, data: dict):
        raise TypeError(f"{type(self).__name__} must define call_service")

    def _post_clean(self):
        if self.errors:
            return
        try:
            self.instance = self.call_service(self.cleaned_data)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
            for field, messages in errors.items():
                target = field if field in self.fields else None
                for message in messages:
                    self.add_error(target, message)
        except PermissionDenied as exc:
            self.add_error(None, str(exc) or "没有权限")

    def save(self, commit=True):
        return self.instance

    def save_m2m(self):
        return None
