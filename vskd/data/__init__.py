"""Dataset handling: clip ids, readers, the synthetic generator, download, unpack, manifest."""
