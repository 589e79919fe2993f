"""Default configuration shipped with cxdash (catalogue, mappings, sources, maturity model,
initiative register, review-pack template). Package data, read through cxdash.paths; an agency
overrides any file in its own folder (--config-dir / CXDASH_CONFIG_DIR)."""
