import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** No provider takes a message much over 35 MB; a larger attachment is a mistake, not something to read into memory. */
const maxAttachmentBytes = 40 * 1024 * 1024;

/**
 * Reads an attachment at send time with the rules the first scan applies: a regular file, of a size a
 * provider could take. It is opened non-blocking, so a FIFO (which would wait for a writer for ever) or a
 * device is refused by its type instead of hanging the run; the caller turns the error into a failure of
 * that recipient alone.
 */
export async function readAttachmentFile(file: string): Promise<Buffer> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error(`it is ${info.isFIFO() ? 'a named pipe (FIFO)' : info.isDirectory() ? 'a folder' : 'a device or socket'}, not a regular file`);
    if (info.size > maxAttachmentBytes) throw new Error(`it is ${(info.size / 1024 / 1024).toFixed(0)} MB; attachments of more than ${maxAttachmentBytes / 1024 / 1024} MB are not sent`);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
