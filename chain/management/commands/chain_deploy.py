from django.core.management.base import BaseCommand, CommandError

from chain.backend import get_backend
from chain.port import ChainError
from chain.services import shared_contracts_deploy


class Command(BaseCommand):
    help = "Deploy the shared investor registry and Settlement contract to CHAIN_RPC_URL unless they are there."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="deploy new shared contracts even if they exist")

    def handle(self, *args, force: bool = False, **options):
        try:
            results = shared_contracts_deploy(backend=get_backend(), force=force)
        except ChainError as exc:
            raise CommandError(f"chain_deploy: {exc}") from exc
        for contract, deployed in results:
            verb = "deployed" if deployed else "already deployed"
            message = f"{contract.name} {verb} at {contract.address} (chain {contract.chain_id})"
            self.stdout.write(self.style.SUCCESS(message))
