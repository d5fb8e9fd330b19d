"""Read-only admin views of the register: it changes only through ledger.services."""

from django.contrib import admin

from .models import ComplianceRequest, ControlBook, Position, TokenAction, TransferRequest


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TokenAction)
class TokenActionAdmin(ReadOnly):
    list_display = ("id", "kind", "security", "from_wallet", "to_wallet", "amount", "origin", "created_at")
    list_filter = ("kind", "origin")
    search_fields = ("idempotency_key", "from_wallet", "to_wallet", "cause")


@admin.register(Position)
class PositionAdmin(ReadOnly):
    list_display = ("security", "investor", "wallet", "balance", "frozen", "wallet_frozen")
    search_fields = ("wallet",)


admin.site.register(ControlBook, ReadOnly)
admin.site.register(ComplianceRequest, ReadOnly)
admin.site.register(TransferRequest, ReadOnly)
