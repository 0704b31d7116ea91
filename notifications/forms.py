from django import forms

from notifications.models import Delivery, NotificationPreference

HOURS = [(hour, f"{hour:02d}:00") for hour in range(24)]


class PreferenceForm(forms.ModelForm):
    delivery = forms.ChoiceField(choices=Delivery.choices, widget=forms.RadioSelect, label="Email me")
    digest_hour = forms.TypedChoiceField(
        choices=HOURS,
        coerce=int,
        label="Digest hour",
        help_text="In the practice's time zone; used when you take the daily digest.",
    )

    class Meta:
        model = NotificationPreference
        fields = ["delivery", "digest_hour"]
