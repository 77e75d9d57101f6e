"""Getting data in: loading any source into canonical tables, cleaning with a quarantine, the
teaching-data generator and the privacy rules (masking, pseudonyms)."""
