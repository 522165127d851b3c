"""Policy-parameter pages (thin: parse the request, call a selector or service, render).

The form only renders the fields and carries the service's messages back next to them; every value
is judged in parameters.services, so the page and the API give the same Chinese messages.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from dajiuzhu.core import clock
from dajiuzhu.core.errors import DomainError, FieldError, ValidationFailed
from dajiuzhu.parameters import selectors, services
from dajiuzhu.parameters.validation import parse_date


def _text(label: str, *, input_type: str = "text", help_text: str = "", **attrs: Any) -> forms.CharField:
    widget = forms.TextInput(attrs=attrs)
    widget.input_type = input_type
    return forms.CharField(label=label, required=False, help_text=help_text, widget=widget)


class ChangeForm(forms.Form):
    start = _text("起始日期", input_type="date")
    value = _text("取值", autocomplete="off")
    reference = _text("依据", help_text="政策文件名称或文号，例如 德民发〔2025〕12号", maxlength="300")
    note = _text("备注", help_text="起始日期早于今天（追溯调整）时必须说明原因", maxlength="500")

    def service_data(self) -> dict[str, str]:
        return {name: (self.data.get(self.add_prefix(name)) or "").strip() for name in self.fields}

    def attach(self, errors: list[FieldError]) -> None:
        by_label = {str(field.label): name for name, field in self.fields.items()}
        for err in errors:
            name = by_label.get(err.field)
            if name is not None:
                self.add_error(name, err.message)


@login_required
def parameter_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    raw_on = request.GET.get("on", "").strip()
    on, problem = parse_date(raw_on) if raw_on else (clock.today(), "")
    error = ValidationFailed.single("日期", problem) if problem else None
    on = on or clock.today()
    rows = selectors.parameter_list(user=request.user, on=on, q=q)
    context = {
        "rows": rows,
        "q": q,
        "on": on,
        "error": error,
        "unverified_count": sum(1 for r in rows if r.unverified),
    }
    if request.headers.get("HX-Request"):
        return render(request, "parameters/_parameter_results.html", context)
    return render(request, "parameters/parameter_list.html", context)


def _detail(
    request: HttpRequest, name: str, *, form: ChangeForm | None = None, error: DomainError | None = None
) -> HttpResponse:
    history = selectors.parameter_history(user=request.user, name=name)
    if form is None:
        form = ChangeForm(initial={"start": clock.today().isoformat()})
    form.fields["value"].help_text = (
        f"{history.kind_help}；单位：{history.unit}" if history.unit else history.kind_help
    )
    return render(
        request, "parameters/parameter_detail.html", {"history": history, "form": form, "error": error}
    )


@login_required
@require_http_methods(["GET", "POST"])
def parameter_detail(request: HttpRequest, name: str) -> HttpResponse:
    if request.method != "POST":
        return _detail(request, name)
    form = ChangeForm(request.POST)
    try:
        change = services.parameter_change_create(actor=request.user, name=name, **form.service_data())
    except ValidationFailed as exc:
        form.attach(exc.errors)
        return _detail(request, name, form=form, error=exc)
    messages.success(
        request, f"已保存：自 {change.start:%Y-%m-%d} 起取值为 {change.value}（适用于本级及下级区域）"
    )
    return redirect("parameters:detail", name=name)


@login_required
@require_POST
def parameter_withdraw(request: HttpRequest, name: str, change_id: int) -> HttpResponse:
    try:
        change = services.parameter_change_withdraw(
            actor=request.user, change_id=change_id, reason=request.POST.get("reason", "")
        )
    except ValidationFailed as exc:
        return _detail(request, name, error=exc)
    messages.success(request, f"已撤回自 {change.start:%Y-%m-%d} 起的本地调整取值 {change.value}")
    return redirect("parameters:detail", name=change.name)
