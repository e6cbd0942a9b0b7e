"""Signal processing: electrodes and the 9x9 grid, channel maps, rates, resampling, the shared
preprocessing, band features (offline and streaming)."""
