def demo_lines() -> list[str]:
    return []
