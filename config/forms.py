"""How forms become HTML (settings.FORM_RENDERER).

Django's own form and widget templates exist in both engines, written to give the same HTML.
The Jinja2 copies render several times faster, and a page renders dozens of widgets (the task
page's forms, the queue's filters): they come from Jinja2, in config.jinja2's environment (so
escaping is Django's). A template that exists only for Django's engine (the admin's widgets,
django-filter's range widget, the role editor's rights) comes from Django's engine as before."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import django.forms
from django.forms.renderers import BaseRenderer, DjangoTemplates
from django.template import TemplateDoesNotExist
from django.template.backends.jinja2 import Jinja2


class FormRenderer(BaseRenderer):
    def __init__(self):
        self._engine_of: dict[str, object] = {}  # template name -> the engine that has it

    @cached_property
    def jinja2(self) -> Jinja2:
        return Jinja2(
            {
                "APP_DIRS": False,
                # Ours first: Django's Jinja2 attrs.html ends with a newline its twin lacks, which
                # put one inside every tag ("checked\n>"); our copy is the same without it.
                "DIRS": [
                    Path(__file__).parent / "form_templates",
                    Path(django.forms.__file__).parent / "jinja2",
                ],
                "NAME": "djangoforms-jinja2",
                "OPTIONS": {"environment": "config.jinja2.environment"},
            }
        )

    @cached_property
    def django(self) -> DjangoTemplates:
        return DjangoTemplates()

    def get_template(self, template_name):
        engine = self._engine_of.get(template_name)
        if engine is not None:
            return engine.get_template(template_name)
        try:
            template = self.jinja2.get_template(template_name)
            self._engine_of[template_name] = self.jinja2
        except TemplateDoesNotExist:
            template = self.django.get_template(template_name)
            self._engine_of[template_name] = self.django
        return template
