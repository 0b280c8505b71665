// An agent's script over three components written in three languages.
const items = await inventory.find({ query: { tag: "all" } });
console.log(`${items.length} items; ${items.filter((i) => i.tags.includes("fragile")).length} fragile`);

const priced = items.filter((i) => i["price-cents"] !== null);
const summary = await stats.describe({ values: priced.map((i) => Number(i["price-cents"]) / 100) });
console.log(`prices: mean ${summary.mean.toFixed(2)}, median ${summary.median}`);

for (const item of items.slice(0, 2)) {
  const title = await textkit.text.convert({ text: item.name, style: "title" });
  const after = await inventory.restock({ sku: item.sku, amount: 10 });
  console.log(`${title}: ${item.quantity} -> ${after.quantity}`);
}

try {
  await inventory.restock({ sku: "NOPE-1", amount: 1 });
} catch (e) {
  console.log(`${e.code}: ${e.message} (data: ${JSON.stringify(e.data)})`);
}
try {
  await inventory.restock({ sku: items[0].sku, amount: 500 });
} catch (e) {
  console.log(`${e.code}: the policy caps a restock at 50`);
}
