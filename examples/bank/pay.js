// Pays a supplier if the balance allows; the transfer waits for a person's approval and code.
const { balance, currency } = await bank.balance();
if (balance < 250) throw new Error(`balance too low: ${balance}`);
try {
  const receipt = await bank.transfer({ amount: 250, currency, to: "ada" });
  console.log(`sent ${receipt.sent} ${receipt.currency} to ${receipt.to} (${receipt.id}), token ${receipt.receipt_token}`);
} catch (e) {
  console.log(`not sent: ${e.code}: ${e.message}`);
}
