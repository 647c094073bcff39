/**
 * A hidden prompt on a terminal: the answer is never echoed, not even as asterisks (which would
 * give away its length). The terminal is put in raw mode for the question and restored after,
 * whatever happens.
 */
import type { ReadStream } from 'node:tty';
import { WalletError } from './errors.ts';

export type LineEnd = 'enter' | 'cancel';

export interface LineState {
  readonly text: string;
  /** Set once the line is finished. */
  readonly end?: LineEnd;
}

/**
 * Applies typed (or pasted) characters to the line being edited. Enter finishes; Ctrl-C cancels;
 * Ctrl-D finishes a non-empty line and cancels an empty one; Backspace deletes a character; Ctrl-U
 * clears; escape sequences (arrows, function keys) and other control characters are ignored.
 */
export function editLine(state: LineState, chunk: string): LineState {
  if (state.end) return state;
  let text = state.text;
  const chars = Array.from(chunk);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    switch (ch) {
      case '\r':
      case '\n':
        return { text, end: 'enter' };
      case '\u0003':
        return { text: '', end: 'cancel' };
      case '\u0004':
        return text === '' ? { text, end: 'cancel' } : { text, end: 'enter' };
      case '\u007f':
      case '\b':
        text = Array.from(text).slice(0, -1).join('');
        break;
      case '\u0015':
        text = '';
        break;
      case '\u001b':
        i = skipEscape(chars, i);
        break;
      default:
        if (ch >= ' ') text += ch;
    }
  }
  return { text };
}

/** The index of the last character of the escape sequence that starts at `at` (ESC [ params final). */
function skipEscape(chars: readonly string[], at: number): number {
  const next = chars[at + 1];
  if (next !== '[' && next !== 'O') return at;
  let i = at + 2;
  while (i < chars.length && /[0-9;]/.test(chars[i]!)) i++;
  return Math.min(i, chars.length - 1);
}

export interface PromptStreams {
  readonly input: ReadStream;
  readonly output: NodeJS.WritableStream;
}

/** Asks `question` on the terminal and reads one line without echo. */
export function promptHidden(question: string, streams: PromptStreams): Promise<string> {
  const { input, output } = streams;
  if (!input.isTTY) return Promise.reject(new Error('a hidden prompt needs a terminal'));
  return new Promise((resolve, reject) => {
    let state: LineState = { text: '' };
    const wasRaw = input.isRaw;
    const finish = (): void => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.setRawMode(wasRaw);
      input.pause();
      output.write('\n');
    };
    const onData = (chunk: string | Buffer): void => {
      state = editLine(state, chunk.toString());
      if (!state.end) return;
      finish();
      if (state.end === 'cancel') reject(new WalletError('cancelled', 'cancelled'));
      else resolve(state.text);
    };
    const onEnd = (): void => {
      finish();
      reject(new WalletError('cancelled', 'the terminal closed before a line was entered'));
    };
    // Raw (no echo) before the question shows, so that nothing typed in answer is ever echoed.
    input.setRawMode(true);
    output.write(question);
    input.setEncoding('utf8');
    input.on('data', onData);
    input.on('end', onEnd);
    input.resume();
  });
}
