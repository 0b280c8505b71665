// An agent's script: gather data, transform it, save a report, return a summary.
// Run it with `./scripts/demo.sh` (or `airlock run examples/agent.js`).

const orders = [
  { id: 1, customer: "ada", total: 120.5, items: ["lamp", "desk"] },
  { id: 2, customer: "grace", total: 80, items: ["chair"] },
  { id: 3, customer: "ada", total: 42.25, items: ["pen", "ink", "paper"] },
  { id: 4, customer: "linus", total: 310, items: ["monitor"] },
];

// Everything lives in the sandbox's virtual filesystem; nothing touches the host.
await fs.mkdir("/workspace/reports", { recursive: true });
await fs.writeFile("/workspace/orders.json", JSON.stringify(orders));

const byCustomer = new Map();
for (const o of JSON.parse(await fs.readFile("/workspace/orders.json"))) {
  byCustomer.set(o.customer, (byCustomer.get(o.customer) ?? 0) + o.total);
}
console.log("revenue by customer:", byCustomer);

const csv = ["customer,total", ...[...byCustomer].map(([c, t]) => `${c},${t.toFixed(2)}`)].join("\n");
await fs.writeFile("/workspace/reports/revenue.csv", csv + "\n");

// Timers work and are bounded by the run's deadline.
await new Promise((resolve) => setTimeout(resolve, 10));

const files = await fs.readdir("/workspace/reports");
console.warn(`wrote ${files.length} report(s)`);

// The return value is printed as compact JSON.
return {
  customers: byCustomer.size,
  revenue: [...byCustomer.values()].reduce((a, b) => a + b, 0),
  top: [...byCustomer].sort((a, b) => b[1] - a[1])[0][0],
};
