"""The shift-change board: one unit's patients, sickest first, and taking the whole unit over at once."""
