{
  "_type": "https://in-toto.io/Statement/v1",
  "subject": [
    {
      "name": "signme-1",
      "digest": {
        "sha256": "afa48c8674afe334b8a7dea34f7b46ab256e9255edf8da2132792341b667a45b"
      }
    }
  ],
  "predicateType": "https://model_signing/signature/v1.0",
  "predicate": {
    "serialization": {
      "method": "files",
      "hash_type": "sha256",
      "allow_symlinks": false
    },
    "resources": [
      {
        "name": ".",
        "digest": "bc9a717db6064a32cbe9eae6fc40651dd6d36ef1757183f590eff2b1765d7ebc",
        "algorithm": "sha256"
      }
    ]
  }
}