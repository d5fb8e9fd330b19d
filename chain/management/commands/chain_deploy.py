from django.core.management.base import BaseCommand, CommandError

from chain.backend import get_backend
from chain.port import ChainError
from chain.services import registry_deploy


class Command(BaseCommand):
    help = "Deploy the shared investor registry to CHAIN_RPC_URL unless it is already there."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="deploy a new registry even if one exists")

    def handle(self, *args, force: bool = False, **options):
        try:
            contract, deployed = registry_deploy(backend=get_backend(), force=force)
        except ChainError as exc:
            raise CommandError(f"chain_deploy: {exc}") from exc
        verb = "deployed" if deployed else "already deployed"
        message = f"InvestorRegistry {verb} at {contract.address} (chain {contract.chain_id})"
        self.stdout.write(self.style.SUCCESS(message))
