"""The organizer side: counts by representative, delivery packs and their views."""
