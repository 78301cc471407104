{
  "_type": "https://in-toto.io/Statement/v1",
  "subject": [
    {
      "name": "v1.1.0-elliptic-key",
      "digest": {
        "sha256": "92745110b1ab4368471cbe31664e10174e954b113a3df333db860317b2c6dec4"
      }
    }
  ],
  "predicateType": "https://model_signing/signature/v1.0",
  "predicate": {
    "resources": [
      {
        "algorithm": "sha256",
        "name": "signme-1",
        "digest": "bc9a717db6064a32cbe9eae6fc40651dd6d36ef1757183f590eff2b1765d7ebc"
      },
      {
        "algorithm": "sha256",
        "name": "signme-2",
        "digest": "32dcb1f8e1ae52d5963e56a6ba06ab58b424c15ed2a6b70d2feca1d089370028"
      }
    ],
    "serialization": {
      "allow_symlinks": false,
      "method": "files",
      "hash_type": "sha256",
      "ignore_paths": [
        ".git",
        "model.sig",
        "ignore-me",
        ".gitattributes",
        ".gitignore",
        ".github"
      ]
    }
  }
}