"""Exports of the register to other systems' formats: the lots every cap-table format needs
(lots.py: first in, first out from the append-only token actions), the Open Cap Table Format
package (ocf*.py) and the service that checks who may export and audits it (service.py)."""
