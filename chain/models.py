"""What the mirror knows about the chain: the platform's deployed contracts."""

from django.db import models


class DeployedContract(models.Model):
    """A contract the platform deployed (the shared investor registry; tokens come with
    offerings). One registry per chain id."""

    name = models.CharField(max_length=64)
    chain_id = models.PositiveBigIntegerField()
    address = models.CharField(max_length=42)
    tx_hash = models.CharField(max_length=66)
    deployed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "chain_id"], name="chain_contract_per_chain")]

    def __str__(self) -> str:
        return f"{self.name}@{self.chain_id}:{self.address}"
