/**
 * Turns a file of the tagged Brown corpus ("The/at Fulton/np-tl County/nn-tl ...") into plain
 * running English. Pure: the corpus bytes it yields are hashed into the genesis, so this function
 * is part of what every node must agree on.
 *
 * The files put one sentence per line and separate paragraphs with a blank line; every token is
 * `word/tag`, where the tag (letters, digits and - + * $ ' ` . , : ( )) follows the LAST slash, as
 * the word itself may hold slashes ("and/or/cc", "1/2/cd", "//in").
 */

/** Punctuation written against the word before it. */
const ATTACH_LEFT = new Set([',', '.', ';', ':', '?', '!', ')', ']']);
/** Punctuation written against the word after it. */
const ATTACH_RIGHT = new Set(['(', '[']);

/** The word of one `word/tag` token; a token without a usable tag is kept whole. */
export function brownWord(token: string): string {
  const slash = token.lastIndexOf('/');
  if (slash <= 0 || slash === token.length - 1) return token;
  return token.slice(0, slash);
}

/**
 * Plain text of a tagged Brown file: paragraphs separated by "\n\n", single spaces elsewhere.
 * A headline (a line whose tokens are mostly tagged "-hl") becomes a paragraph of its own rather
 * than running into the sentence after it.
 */
export function stripBrownTags(text: string): string {
  const paragraphs: string[] = [];
  let words: string[] = [];
  const flush = (): void => {
    if (words.length > 0) paragraphs.push(detokenize(words));
    words = [];
  };
  for (const line of text.split('\n')) {
    const tokens = line.split(/\s+/).filter((t) => t.length > 0);
    if (tokens.length === 0) {
      flush();
    } else if (isHeadline(tokens)) {
      flush();
      words = tokens.map(brownWord);
      flush();
    } else {
      for (const t of tokens) words.push(brownWord(t));
    }
  }
  flush();
  return paragraphs.filter((p) => p.length > 0).join('\n\n');
}

function isHeadline(tokens: readonly string[]): boolean {
  let tagged = 0;
  for (const t of tokens) if (/-hl(?:$|[-+])/.test(t.slice(t.lastIndexOf('/') + 1))) tagged++;
  return 2 * tagged >= tokens.length;
}

/**
 * Joins one paragraph's words the way English is printed: `` and '' become straight double
 * quotes hugging the quoted words, a lone ' alternates between opening and closing, "( x )"
 * becomes "(x)", a "/" joins its neighbours ("counts / minute" was "counts/minute"), and the
 * doubled semicolons this edition of the corpus writes at sentence splits (";/. ;/.") become one,
 * and a full stop after an abbreviation that already ends in one ("Jr./np ./.") is not repeated.
 */
function detokenize(words: readonly string[]): string {
  let out = '';
  let glueNext = true; // no space before the first word, nor after an opening bracket or quote
  let singleQuoteOpen = false;
  let previous = '';
  for (const word of words) {
    if (word === ';' && previous === ';') continue;
    if (word === '.' && previous.length > 1 && previous.endsWith('.')) continue;
    previous = word;
    let text = word;
    let attachLeft = false;
    let attachRight = false;
    if (word === '``') {
      text = '"';
      attachRight = true;
    } else if (word === "''") {
      text = '"';
      attachLeft = true;
    } else if (word === "'") {
      attachLeft = singleQuoteOpen;
      attachRight = !singleQuoteOpen;
      singleQuoteOpen = !singleQuoteOpen;
    } else if (word === '/') {
      attachLeft = true;
      attachRight = true;
    } else if (ATTACH_LEFT.has(word)) {
      attachLeft = true;
    } else if (ATTACH_RIGHT.has(word)) {
      attachRight = true;
    } else {
      // Inches are written with two apostrophes after a number (1/2'', 12''): print them as ".
      text = word.replace(/(\d)''$/, '$1"');
    }
    if (!glueNext && !attachLeft) out += ' ';
    out += text;
    glueNext = attachRight;
  }
  return out;
}
