"""poll -> classify -> enrich -> propose, in plain asyncio: no Qt here."""
