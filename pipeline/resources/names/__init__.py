"""Name lists read by pipeline.privacy.Gazetteer."""
