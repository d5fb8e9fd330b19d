"""The register: token actions (append-only), positions, control book, settlement. (Issue 6.)"""
