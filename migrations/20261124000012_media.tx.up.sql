-- Files that customers send through the platforms (WhatsApp, Messenger,
-- Instagram, Telegram). A message's attachments (messages.attachments)
-- keep the platform's reference; the fetch_media job, enqueued with the
-- message, downloads each one and keeps it here, one row per attachment,
-- so that it outlives the platform's short-lived links. Files over the
-- size limit (internal/media.MaxSize, 20 MiB) are recorded as TOO_LARGE
-- and not downloaded.
CREATE TABLE message_media (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    message_id       uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    -- The attachment's position in messages.attachments.
    attachment_index integer NOT NULL CHECK (attachment_index >= 0),
    -- PENDING until a fetch settles it: READY (content holds the file),
    -- TOO_LARGE or FAILED (error says why).
    status           text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'READY', 'TOO_LARGE', 'FAILED')),
    mime_type        text NOT NULL DEFAULT '',
    -- In bytes: of content when READY, as the platform announced it when
    -- TOO_LARGE (null when it did not say).
    size             bigint CHECK (size >= 0),
    -- Lowercase hex SHA-256 of content.
    sha256           text,
    content          bytea,
    -- Fetch attempts so far, and the latest failure (kept while PENDING
    -- so that a fetch being retried says why).
    attempts         integer NOT NULL DEFAULT 0,
    error            text,
    fetched_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT message_media_attachment_key UNIQUE (message_id, attachment_index),
    CONSTRAINT message_media_content_when_ready CHECK ((status = 'READY') = (content IS NOT NULL))
);
-- Organisation deletes cascade through it.
CREATE INDEX message_media_organization_idx ON message_media (organization_id);
-- Images, audio and video arrive compressed already: store them out of
-- line without trying to compress them again.
ALTER TABLE message_media ALTER COLUMN content SET STORAGE EXTERNAL;
