{
  "_type": "https://in-toto.io/Statement/v1",
  "subject": [
    {
      "name": "v1.1.0-certificate",
      "digest": {
        "sha256": "61d4849d9d90076d6215f4d525f13d6574af8e3f67aef3e6f36fc40a14fdd226"
      }
    }
  ],
  "predicateType": "https://model_signing/signature/v1.0",
  "predicate": {
    "serialization": {
      "hash_type": "sha256",
      "ignore_paths": [
        "ignore-me",
        ".gitattributes",
        "model.sig",
        ".github",
        ".gitignore",
        ".git"
      ],
      "allow_symlinks": false,
      "method": "files"
    },
    "resources": [
      {
        "algorithm": "sha256",
        "name": "signme-1",
        "digest": "f6310066c7320497ea554260c32c43660bff648cb2a61194832cc086077085e1"
      },
      {
        "algorithm": "sha256",
        "name": "signme-2",
        "digest": "32dcb1f8e1ae52d5963e56a6ba06ab58b424c15ed2a6b70d2feca1d089370028"
      }
    ]
  }
}