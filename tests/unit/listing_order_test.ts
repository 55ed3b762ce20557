/**
 * The listing's order: the query parameters read leniently, folders first
 * in every order, names natural and case-insensitive, and the header links
 * that reverse the current column.
 */
import assert from "node:assert/strict";
import {
  compareNames,
  DEFAULT_LISTING_ORDER,
  listingOrderOf,
  parseListingOrder,
  type SortableEntry,
  sortEntries,
  sortLinkQuery,
} from "../../lib/serve/listing_order.ts";

Deno.test("parseListingOrder() reads sort and order, and falls back per parameter", () => {
  const cases: [string, string][] = [
    ["", "name:asc"],
    ["?sort=name&order=asc", "name:asc"],
    ["?sort=size", "size:asc"],
    ["?sort=modified&order=desc", "modified:desc"],
    ["?order=desc", "name:desc"],
    ["?sort=SIZE&order=DESC", "name:asc"],
    ["?sort=<script>&order=desc", "name:desc"],
    ["?sort=size&order=sideways", "size:asc"],
    ["?sort=&order=", "name:asc"],
    ["?sort=size&sort=name", "size:asc"],
    ["?sort=%00&order=%FF", "name:asc"],
    ["?unrelated=1", "name:asc"],
  ];
  for (const [search, key] of cases) {
    assert.equal(parseListingOrder(new URLSearchParams(search)).key, key, search);
    assert.equal(listingOrderOf(search).key, key, search);
  }
  assert.equal(listingOrderOf(""), DEFAULT_LISTING_ORDER, "no query: the shared default");
  assert.equal(listingOrderOf("?sort=size"), listingOrderOf("?sort=size&order=asc"), "shared");
});

Deno.test("compareNames() orders names naturally, case- and accent-insensitively", () => {
  const cases: [string[], string[]][] = [
    [["file10", "file2", "file1"], ["file1", "file2", "file10"]],
    [["b", "A", "a", "B"], ["A", "a", "B", "b"]],
    [["Zeta", "alpha", "Beta"], ["alpha", "Beta", "Zeta"]],
    [["é", "f", "e"], ["e", "é", "f"]],
    [["v1.10.0", "v1.9.2", "v1.2"], ["v1.2", "v1.9.2", "v1.10.0"]],
    [["x", "x"], ["x", "x"]],
  ];
  for (const [input, expected] of cases) {
    assert.deepEqual(input.toSorted(compareNames), expected, input.join(","));
  }
});

function entry(
  name: string,
  kind: "file" | "directory",
  size: number | null,
  mtimeMs: number,
): SortableEntry {
  return { name, kind, size, mtimeMs };
}

const ENTRIES: SortableEntry[] = [
  entry("zdir", "directory", null, 5),
  entry("Adir", "directory", null, 9),
  entry("file10.txt", "file", 10, 3),
  entry("file2.txt", "file", 300, 1),
  entry("big.bin", "file", 9000, 2),
  entry("same.txt", "file", 10, 3),
];

Deno.test("sortEntries() puts folders first in every order and breaks ties by name", () => {
  const cases: [string, string[]][] = [
    ["", ["Adir", "zdir", "big.bin", "file2.txt", "file10.txt", "same.txt"]],
    ["?order=desc", ["zdir", "Adir", "same.txt", "file10.txt", "file2.txt", "big.bin"]],
    ["?sort=size", ["Adir", "zdir", "file10.txt", "same.txt", "file2.txt", "big.bin"]],
    ["?sort=size&order=desc", ["zdir", "Adir", "big.bin", "file2.txt", "same.txt", "file10.txt"]],
    ["?sort=modified", ["zdir", "Adir", "file2.txt", "big.bin", "file10.txt", "same.txt"]],
    [
      "?sort=modified&order=desc",
      ["Adir", "zdir", "same.txt", "file10.txt", "big.bin", "file2.txt"],
    ],
  ];
  for (const [search, expected] of cases) {
    const sorted = sortEntries(ENTRIES, listingOrderOf(search));
    assert.deepEqual(sorted.map((item) => item.name), expected, search);
  }
  assert.equal(ENTRIES[0].name, "zdir", "the input is left as it was");
});

Deno.test("sortLinkQuery() links a column ascending, or descending when it is already", () => {
  const cases: [string, "name" | "size" | "modified", string][] = [
    ["", "name", "?sort=name&order=desc"],
    ["", "size", "?sort=size&order=asc"],
    ["?order=desc", "name", "?sort=name&order=asc"],
    ["?sort=size", "size", "?sort=size&order=desc"],
    ["?sort=size&order=desc", "size", "?sort=size&order=asc"],
    ["?sort=size&order=desc", "modified", "?sort=modified&order=asc"],
  ];
  for (const [search, column, expected] of cases) {
    assert.equal(sortLinkQuery(column, listingOrderOf(search)), expected, `${search} ${column}`);
  }
});
