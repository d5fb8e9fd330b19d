"""{% timeline obj [obj ...] [names=True] %}: the audit trail of these objects as a timeline
(core/timeline.py, templates/core/_timeline.html). `names`: name the people (staff and
issuer pages); otherwise their role, and "You" for the viewer."""

from __future__ import annotations

from django import template
from django.db.models import QuerySet

from ..timeline import timeline_for

register = template.Library()


@register.inclusion_tag("core/_timeline.html", takes_context=True)
def timeline(context, *objects, names: bool = False):
    request = context.get("request")
    viewer = getattr(request, "user", None)
    flat = []
    for obj in objects:   # a list or queryset of objects counts as its members
        flat.extend(obj if isinstance(obj, list | tuple | QuerySet) else [obj])
    return {"timeline": timeline_for([obj for obj in flat if obj], viewer=viewer, show_names=names)}
