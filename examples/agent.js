// An agent's script: one program that calls many tools, instead of one model round trip per
// call. Run it with `./scripts/demo.sh` (or `airlock run examples/agent.js --config
// examples/airlock.toml`). The tools and the policy over them are in examples/airlock.toml.

// Tools are async functions: `shop.orders.list(...)` is also `shop_orders_list(...)`.
const orders = await shop.orders.list({ min_total: 40 });
console.log(`${orders.length} orders of 40 or more`);

// Calls started together run concurrently on the host (one batch).
const items = [...new Set(orders.flatMap((o) => o.items))];
const stock = await Promise.all(items.map((item) => shop.stock.get({ item })));
const missing = stock.filter((s) => s.in_stock === 0).map((s) => s.item);
console.log("out of stock:", missing);

// Files live in the sandbox's virtual filesystem; nothing touches the host.
const byCustomer = new Map();
for (const o of orders) byCustomer.set(o.customer, (byCustomer.get(o.customer) ?? 0) + o.total);
await fs.mkdir("/workspace/reports", { recursive: true });
const csv = ["customer,total", ...[...byCustomer].map(([c, t]) => `${c},${t.toFixed(2)}`)];
await fs.writeFile("/workspace/reports/revenue.csv", csv.join("\n") + "\n");

// Refund the orders with missing items. The policy allows refunds of 1..100 only: the big one is
// denied on the host, and the script gets an error it can handle.
const refunds = [];
for (const o of orders.filter((o) => o.items.some((i) => missing.includes(i)))) {
  try {
    refunds.push(await shop.refund({ order: o.id, amount: o.total }));
  } catch (e) {
    if (e.code !== "EPOLICY") throw e;
    console.warn(`needs a human: ${e.message}`);
    refunds.push(await shop.refund({ order: o.id, amount: 100 }));
  }
}

return { customers: byCustomer.size, missing, refunds };
