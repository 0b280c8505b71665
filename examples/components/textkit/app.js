// The `text` interface of the textkit world. jco componentize maps it as follows: the enum
// arrives as its case name ("upper"), the record is a plain object, an absent option is
// `undefined`, and a thrown value becomes the `err` of a result.

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function titleCase(text) {
  return text.toLowerCase().replace(/(^|\s)(\S)/gu, (_, space, first) => space + first.toUpperCase());
}

function convert(text, style) {
  switch (style) {
    case "upper":
      return text.toUpperCase();
    case "lower":
      return text.toLowerCase();
    case "title":
      return titleCase(text);
    default:
      throw new Error(`unknown case style: ${style}`);
  }
}

function analyse(text) {
  const words = text.split(/\s+/u).filter((word) => word.length > 0);
  // A trailing newline ends the last line rather than starting another.
  const lines = text === "" ? 0 : text.replace(/\n$/u, "").split("\n").length;
  let longest;
  for (const word of words) {
    if (longest === undefined || [...word].length > [...longest].length) longest = word;
  }
  return { words: words.length, lines, chars: [...text].length, longest };
}

function parseNumber(s) {
  const trimmed = s.trim();
  if (!DECIMAL.test(trimmed)) throw `not a decimal number: ${JSON.stringify(s)}`;
  return Number(trimmed);
}

export const text = { convert, analyse, parseNumber };
