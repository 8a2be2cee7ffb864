// The virtual phone: prompts waiting on each number (answer with the PIN, a wrong PIN, cancel or
// ignore), and a "pay bill / buy goods" form for C2B. Plain HTML and a few lines of script.
export function renderPhonePage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Virtual phone · Malipo Daraja simulator</title>
<style>
 body{font-family:system-ui,sans-serif;margin:0;background:#f1f5f9;color:#0f172a}
 main{max-width:420px;margin:0 auto;padding:16px}
 h1{font-size:18px} h2{font-size:15px;margin:20px 0 8px}
 .card{background:#fff;border:1px solid #cbd5e1;border-radius:12px;padding:14px;margin-bottom:12px}
 .muted{color:#475569;font-size:13px} .amount{font-size:22px;font-weight:700}
 input{font-size:16px;padding:8px;border:1px solid #94a3b8;border-radius:8px;width:100%;box-sizing:border-box;margin:4px 0}
 button{font-size:15px;padding:9px 12px;border-radius:8px;border:0;margin:4px 4px 0 0;cursor:pointer}
 .ok{background:#15803d;color:#fff} .no{background:#e2e8f0} .bad{background:#b91c1c;color:#fff}
 #log{font-size:13px;white-space:pre-wrap}
</style></head>
<body><main>
<h1>Virtual M-Pesa phone</h1>
<p class="muted">STK prompts sent to the simulator wait here (open <code>/phone?phone=2547…</code> for one number). The correct PIN is <b>1234</b> (change it through the control API).
Unanswered prompts time out (1037).</p>
<label class="muted">Show prompts for phone (blank = all)<input id="filter" placeholder="2547…" inputmode="numeric"></label>
<div id="prompts"></div>
<h2>Pay a paybill or till (C2B)</h2>
<form id="c2b" class="card">
 <label>Business number<input name="shortcode" value="600000" inputmode="numeric" required></label>
 <label>Account number (blank for a till)<input name="account"></label>
 <label>Amount (KES)<input name="amount" inputmode="numeric" required></label>
 <label>Your phone<input name="phone" value="254708374149" inputmode="numeric" required></label>
 <button class="ok" type="submit">Send money</button>
</form>
<div id="log" class="card" aria-live="polite">Ready.</div>
</main>
<script>
const $=s=>document.querySelector(s);
const log=t=>{$("#log").textContent=new Date().toLocaleTimeString()+"  "+t;};
async function act(id,action,pin){
 const r=await fetch("/sim/prompts/"+encodeURIComponent(id)+"/"+action,{method:"POST",headers:{"content-type":"application/json"},body:JSON.stringify({pin})});
 const j=await r.json(); log(action+": "+JSON.stringify(j)); refresh();
}
function card(p){
 const d=document.createElement("div"); d.className="card";
 d.innerHTML='<div class="muted">To '+p.msisdn+' · '+p.accountReference+'</div>'+
  '<div class="amount">KES '+p.amount.toLocaleString()+'</div>'+
  '<div>Pay to '+p.partyB+' ('+(p.description||"payment")+'). Enter M-PESA PIN:</div>'+
  '<input type="password" inputmode="numeric" aria-label="M-PESA PIN" maxlength="6">';
 const pin=d.querySelector("input");
 const b=(label,cls,fn)=>{const x=document.createElement("button");x.textContent=label;x.className=cls;x.onclick=fn;d.appendChild(x);};
 b("Send","ok",()=>act(p.checkoutRequestId,"accept",pin.value));
 b("Cancel","no",()=>act(p.checkoutRequestId,"cancel"));
 b("Ignore","no",()=>{act(p.checkoutRequestId,"ignore");d.remove();});
 return d;
}
let shown="";
async function refresh(){
 const f=$("#filter").value.trim();
 const r=await fetch("/sim/prompts"+(f?"?phone="+encodeURIComponent(f):""));
 const list=await r.json();
 const key=list.map(p=>p.checkoutRequestId).join();
 if(key===shown) return; shown=key;
 const box=$("#prompts"); box.innerHTML="";
 if(!list.length){box.innerHTML='<p class="muted">No prompts waiting.</p>';return;}
 list.forEach(p=>box.appendChild(card(p)));
}
$("#filter").value=new URLSearchParams(location.search).get("phone")||"";
$("#filter").oninput=()=>{shown="";refresh();};
$("#c2b").onsubmit=async e=>{
 e.preventDefault(); const f=new FormData(e.target);
 const body={shortcode:f.get("shortcode"),account:f.get("account"),amount:Number(f.get("amount")),phone:f.get("phone"),till:!f.get("account")};
 const r=await fetch("/sim/c2b/pay",{method:"POST",headers:{"content-type":"application/json"},body:JSON.stringify(body)});
 log("C2B: "+JSON.stringify(await r.json()));
};
refresh(); setInterval(refresh,1000);
</script></body></html>`;
}
