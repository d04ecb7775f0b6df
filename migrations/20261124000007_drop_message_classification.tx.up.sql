-- The pipeline's verdict lives in the MESSAGE_CLASSIFIED event (with the
-- message id); a copy on the message cost an extra write per message.
ALTER TABLE messages DROP COLUMN classification;
