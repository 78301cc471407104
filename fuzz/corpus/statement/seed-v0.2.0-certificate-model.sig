{
  "_type": "https://in-toto.io/Statement/v1",
  "subject": [
    {
      "name": "signme-1",
      "digest": {
        "sha256": "f6310066c7320497ea554260c32c43660bff648cb2a61194832cc086077085e1"
      },
      "annotations": {
        "actual_hash_algorithm": "file-sha256"
      }
    },
    {
      "name": "signme-2",
      "digest": {
        "sha256": "32dcb1f8e1ae52d5963e56a6ba06ab58b424c15ed2a6b70d2feca1d089370028"
      },
      "annotations": {
        "actual_hash_algorithm": "file-sha256"
      }
    }
  ],
  "predicateType": "https://model_signing/Digests/v0.1",
  "predicate": {
    "unused": "Unused, just passed due to API requirements"
  }
}