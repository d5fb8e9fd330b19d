"""A bond's coupon schedule in the API (GET /api/issuance/securities/<id>/schedule/): the
periods with their exact accrual fractions, record, ex and payment dates and per-unit coupons,
and the redemption. Readable by whoever may read the security, and by any signed-in user when
the security has a published or closed offering (investors read the terms before they
subscribe). Only bonds have one: another instrument answers 404 `not_a_bond`."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from core.api import ApiView
from core.api_schema import error_responses
from core.errors import ConflictError, NotFoundError

from . import selectors
from .models import Security

DECIMAL = "decimal string in the currency's minor units (JPY 0, USD 2)"


class BondTermsOutput(serializers.Serializer):
    """The terms the schedule comes from, named as in the security's terms (SecurityTermsInput)."""

    face_value = serializers.CharField(source="face", help_text="per unit, in the currency")
    coupon_rate = serializers.CharField(source="rate", help_text="% a year")
    coupon_frequency = serializers.ChoiceField(source="frequency", choices=Security.CouponFrequency.choices,
                                               allow_blank=True)
    day_count = serializers.ChoiceField(choices=Security.DayCount.choices, allow_blank=True)
    issue_date = serializers.DateField()
    maturity_date = serializers.DateField()
    first_coupon_date = serializers.DateField(allow_null=True)
    last_coupon_date = serializers.DateField(allow_null=True)
    calendar = serializers.ChoiceField(choices=Security.Calendar.choices,
                                       help_text="in effect (the currency's default when the security leaves it blank)")
    payment_convention = serializers.ChoiceField(choices=Security.Convention.choices, help_text="in effect")
    end_of_month = serializers.BooleanField()
    accrual_adjusted = serializers.BooleanField()
    coupon_rounding = serializers.ChoiceField(source="rounding", choices=Security.Rounding.choices)
    record_days = serializers.IntegerField(help_text="business days from the record date to payment")
    redemption_price = serializers.CharField(help_text="% of face")


class CouponPeriodOutput(serializers.Serializer):
    number = serializers.IntegerField(help_text="1..n")
    accrual_start = serializers.DateField()
    accrual_end = serializers.DateField()
    record_date = serializers.DateField(help_text="holders at the end of this business day are paid")
    ex_date = serializers.DateField(help_text="first business day a buyer does not get this coupon")
    payment_date = serializers.DateField()
    fraction = serializers.SerializerMethodField(help_text="exact accrual fraction, numerator/denominator")
    fraction_numerator = serializers.IntegerField(source="fraction.numerator")
    fraction_denominator = serializers.IntegerField(source="fraction.denominator")
    per_unit = serializers.CharField(help_text=f"coupon per unit: face x rate x fraction, rounded once; {DECIMAL}")
    is_stub = serializers.BooleanField(help_text="an irregular (short or long) first or last period")

    def get_fraction(self, period) -> str:
        return f"{period.fraction.numerator}/{period.fraction.denominator}"


class RedemptionOutput(serializers.Serializer):
    record_date = serializers.DateField()
    ex_date = serializers.DateField()
    payment_date = serializers.DateField()
    price = serializers.CharField(help_text="% of face")
    principal_per_unit = serializers.CharField(help_text=f"face x price, rounded once; {DECIMAL}")


class BondScheduleOutput(serializers.Serializer):
    security = serializers.IntegerField()
    currency = serializers.CharField()
    terms = BondTermsOutput()
    periods = CouponPeriodOutput(many=True, help_text="empty for a zero-coupon bond")
    redemption = RedemptionOutput()


class SecurityScheduleApi(ApiView):
    @extend_schema(responses={200: BondScheduleOutput, **error_responses(403, 404, 409)},
                   operation_id="issuance_security_schedule", summary="A bond's coupon schedule and redemption",
                   description="404 not_found for a security you may not see; 404 not_a_bond for an equity, fund "
                               "or cash token (only bonds have a schedule); 409 with the schedule's code (e.g. "
                               "coupon_dates_off_cycle) when the stored terms do not give a schedule.")
    def get(self, request, pk: int):
        security = selectors.security_get_for_schedule(user=request.user, pk=pk)
        schedule = selectors.schedule_of(security=security)
        if schedule is None:
            raise NotFoundError(_("Only bonds have a coupon schedule."), code="not_a_bond")
        if schedule.error is not None:
            raise ConflictError(schedule.error.message, code=schedule.error.code, fields=schedule.error.fields)
        return Response(BondScheduleOutput({
            "security": security.pk, "currency": security.currency, "terms": schedule.terms,
            "periods": schedule.periods, "redemption": schedule.redemption}).data)
