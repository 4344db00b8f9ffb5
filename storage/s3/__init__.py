"""S3 blob store (对象存储): documents in an S3 bucket, through the minio SDK.

The bucket is meant to be versioned with Object Lock (``ensure_bucket`` creates it so), which
lets the server itself refuse to delete a document under retention (保管期限) or a legal hold
(冻结). A server or bucket without Object Lock still works, versioned only; retention and holds
are then left to the domain, as with local files.

Write once: ``put`` sends ``If-None-Match: *`` (on the single PUT, or on the request that
completes a multipart upload), so the server refuses to store a second object under a key that
holds one, even when two uploads race; the loser gets False. Because SeaweedFS lets racing
multipart completions through, a multipart upload then also checks that its version is the
oldest of the key, and removes it and reports False if not. A server that ignores the header
would let a later single PUT win as a new version; the store checks for an existing object
first, so only a true race could do that there.

``delete`` removes every version of the key, so the bytes are really gone rather than hidden
behind a delete marker. It first checks each version for retention and a legal hold and refuses
(BlobLockedError) before removing anything.

Every failure surfaces as a BlobStoreError subclass; no minio or urllib3 exception escapes.

The package: ``store`` (:class:`~storage.s3.store.S3BlobStore`, the port), ``bucket`` (one
bucket through one client, its failures translated, its versions, an object's stream),
``locks`` (Object Lock: retention and legal holds) and ``uploads`` (the write-once uploads,
single and multipart).
"""
