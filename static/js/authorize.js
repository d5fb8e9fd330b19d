/* Sign a settlement's EIP-712 instruction with the wallet injected in this browser (window.ethereum),
   then post the signature with the page's own form. Without an injected wallet nothing shows and the
   page's paste-a-signature form is the way. No inline script: the typed data is in a JSON <script>
   element (Django's json_script). */
(function () {
  "use strict";
  var box = document.getElementById("wallet-sign");
  var data = document.getElementById("typed-data");
  var form = document.getElementById("signature-form");
  if (!box || !data || !form || !window.ethereum) {
    return;
  }
  var button = document.getElementById("sign-with-wallet");
  var status = document.getElementById("sign-status");
  var wallet = (box.dataset.wallet || "").toLowerCase();
  box.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    status.textContent = box.dataset.waiting;
    window.ethereum.request({ method: "eth_requestAccounts" }).then(function (accounts) {
      var account = (accounts || []).find(function (a) { return String(a).toLowerCase() === wallet; });
      if (!account) {
        throw new Error(box.dataset.wrongAccount);
      }
      return window.ethereum.request({ method: "eth_signTypedData_v4", params: [account, data.textContent] });
    }).then(function (signature) {
      form.elements.signature.value = signature;
      form.submit();
    }).catch(function (error) {
      status.textContent = (error && error.message) || String(error);
      button.disabled = false;
    });
  });
})();
