"""The investor's own income pages: what was paid and what is coming (their entitlement
lines, and estimates of scheduled payments from today's holdings), and the yearly tax
statement (page, printable, CSV). Investors only: any other role gets 403 not_an_investor;
everything shown is read through the signed-in investor's own account.
"""

from __future__ import annotations

import io
from decimal import Decimal

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts.access import investor_self_ensure
from core.clock import business_today
from core.csvsafe import writer as csv_writer
from core.forms import page_int
from core.money import MINOR_UNITS, from_base_units

from . import selectors_income as income
from .models import EntitlementLine

PAGE_SIZE = 50


class IncomeFilterForm(forms.Form):
    """Filters of the income page: one of the investor's securities, one of their wallets."""

    security = forms.TypedChoiceField(label=gettext_lazy("Security"), required=False, coerce=int, empty_value=None)
    wallet = forms.ChoiceField(label=gettext_lazy("Wallet"), required=False)

    def __init__(self, data, *, securities, wallets) -> None:
        super().__init__(data)
        self.fields["security"].choices = [("", _("All securities")), *securities]
        self.fields["wallet"].choices = [("", _("All wallets")), *((w, w) for w in wallets)]


@login_required
@require_GET
def income_page(request):
    """Upcoming and past payments of the investor, filtered by security and wallet; totals
    per currency (never summed across currencies)."""
    investor_self_ensure(request.user)
    investor = request.user
    securities, wallets = income.income_choices(investor=investor)
    data = request.GET if ("security" in request.GET or "wallet" in request.GET) else None
    form = IncomeFilterForm(data, securities=securities, wallets=wallets)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    security_id, wallet = filters.get("security"), filters.get("wallet", "")
    upcoming = income.income_upcoming(investor=investor, security_id=security_id, wallet=wallet)
    paid = income.income_lines(investor=investor, security_id=security_id, wallet=wallet,
                               status=EntitlementLine.Status.PAID)
    page = Paginator(paid, PAGE_SIZE).get_page(page_int(request.GET.get("page")) or 1)
    context = {
        "form": form, "upcoming": upcoming, "upcoming_totals": income.upcoming_totals(upcoming),
        "page": page, "paid_totals": income.totals_of(paid),
        "rates": income.withholding_notes(investor=investor),
        "years": _statement_years(investor),
    }
    return render(request, "servicing/income.html", context, status=400 if form.errors else 200)


def _statement_years(investor) -> list[int]:
    """The years with a paid line (every security and wallet, whatever the filters), newest first."""
    paid = income.income_lines(investor=investor, status=EntitlementLine.Status.PAID)
    days = paid.order_by().values_list("action__payment_date", flat=True).distinct()
    last = business_today().year
    return sorted({d.year for d in days if income.FIRST_TAX_YEAR <= d.year <= last}, reverse=True)


@login_required
@require_GET
def tax_statement_page(request, year: int):
    """The year's statement of paid lines: printable (print CSS drops the navigation)."""
    investor_self_ensure(request.user)
    statement = income.tax_statement(investor=request.user, year=year)
    return render(request, "servicing/tax_statement.html", {"statement": statement})


#: The CSV's columns, in order (the header row is translated; the values are the page's).
CSV_COLUMNS = (
    gettext_lazy("Payment date"), gettext_lazy("Security"), gettext_lazy("Symbol"), gettext_lazy("Income kind"),
    gettext_lazy("Wallet"), gettext_lazy("Units"), gettext_lazy("Currency"), gettext_lazy("Gross"),
    gettext_lazy("Of which principal"), gettext_lazy("Withholding rate (%)"), gettext_lazy("Tax category"),
    gettext_lazy("Withheld"), gettext_lazy("Net"), gettext_lazy("Reference"),
)


def _amount(value: Decimal, currency: str) -> Decimal:
    """An amount as its currency counts it (JPY 30000, USD 12.30), still a number in the CSV."""
    return value.quantize(Decimal(1).scaleb(-MINOR_UNITS.get(currency, 2)))


def statement_csv(statement: income.TaxStatement) -> str:
    """The statement as CSV (core.csvsafe): its lines, then a total row per currency and
    income kind, equal to the page's totals."""
    out = io.StringIO()
    rows = csv_writer(out)
    rows.writerow([_("Tax statement"), statement.year, statement.legal_name, statement.residence,
                   statement.holder_kind_label, statement.exemption_label])
    rows.writerow([str(c) for c in CSV_COLUMNS])
    for line in statement.lines:
        action, cur = line.action, line.action.currency
        rows.writerow([action.payment_date.isoformat(), action.security.name, action.security.symbol,
                       income.income_kind_label(line), line.wallet,
                       from_base_units(int(line.units), action.security.decimals), cur,
                       _amount(line.gross, cur), _amount(line.principal, cur),
                       Decimal(format(line.tax_rate.normalize(), "f")), line.tax_category,
                       _amount(line.withheld, cur), _amount(line.net, cur), line.paid_reference])
    for total in statement.totals:
        cur = total.currency
        rows.writerow([_("Total"), "", "", total.income_label, "", "", cur, _amount(total.gross, cur),
                       _amount(total.principal, cur), "", "", _amount(total.withheld, cur), _amount(total.net, cur),
                       _("%(n)d payments") % {"n": total.count}])
    return out.getvalue()


@login_required
@require_GET
def tax_statement_csv(request, year: int):
    investor_self_ensure(request.user)
    statement = income.tax_statement(investor=request.user, year=year)
    response = HttpResponse(statement_csv(statement), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="tax-statement-{year}.csv"'
    return response
