"""Investor profiles (person/entity), KYC submissions, documents, wallets. (Issue 4.)"""
