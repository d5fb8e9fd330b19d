"""KYC review, the rule engine (pure functions over facts), sanctions screening. (Issue 4.)"""
