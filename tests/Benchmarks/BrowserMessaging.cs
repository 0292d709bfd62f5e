using Cybernet.Testing;
using Microsoft.Playwright;

namespace Cybernet.Benchmarks;

/// <summary>
/// Opening a conversation to an open data channel, and a message's round trip (sent, stored, acked) through the
/// product's client, against a bare RTCPeerConnection pair inside one page (no server, no UI, no storage),
/// interleaved in the same run.
/// </summary>
public static class BrowserMessaging
{
    // Measured inside the page, so Playwright's polling never adds to the figures.
    private const string OpenConversation = """
        async (name) => {
          const row = [...document.querySelectorAll('#contacts li.contact')].find(li => li.textContent.includes(name));
          const t0 = performance.now();
          row.click();
          await new Promise(resolve => {
            const done = () => document.getElementById('link-state')?.dataset.state === 'direct';
            if (done()) return resolve();
            const mo = new MutationObserver(() => { if (done()) { mo.disconnect(); resolve(); } });
            mo.observe(document.body, { subtree: true, childList: true, attributes: true });
          });
          return performance.now() - t0;
        }
        """;

    private const string RoundTrip = """
        async () => {
          const input = document.getElementById('composer-input');
          const before = document.querySelectorAll('#messages li.message-out').length;
          input.value = 'ping ' + Math.random();
          const t0 = performance.now();
          input.form.requestSubmit();
          await new Promise(resolve => {
            const done = () => {
              const out = document.querySelectorAll('#messages li.message-out');
              return out.length > before && ['delivered', 'read'].includes(out[out.length - 1].dataset.status);
            };
            if (done()) return resolve();
            const mo = new MutationObserver(() => { if (done()) { mo.disconnect(); resolve(); } });
            mo.observe(document.getElementById('messages'), { subtree: true, childList: true, attributes: true });
          });
          return performance.now() - t0;
        }
        """;

    // The baseline: two peer connections in one page, signalled by direct calls, a negotiated channel like ours.
    private const string BareOpen = """
        async () => {
          const t0 = performance.now();
          const a = new RTCPeerConnection(), b = new RTCPeerConnection();
          a.onicecandidate = e => e.candidate && b.addIceCandidate(e.candidate);
          b.onicecandidate = e => e.candidate && a.addIceCandidate(e.candidate);
          const ca = a.createDataChannel('chat', { negotiated: true, id: 0 });
          const cb = b.createDataChannel('chat', { negotiated: true, id: 0 });
          const opened = Promise.all([ca, cb].map(c => new Promise(r => c.onopen = r)));
          await a.setLocalDescription(); await b.setRemoteDescription(a.localDescription);
          await b.setLocalDescription(); await a.setRemoteDescription(b.localDescription);
          await opened;
          const ms = performance.now() - t0;
          const rtts = [];
          cb.onmessage = e => cb.send(e.data);
          for (let i = 0; i < 5; i++) {
            const t = performance.now();
            await new Promise(r => { ca.onmessage = r; ca.send(JSON.stringify({ t: 'msg', id: crypto.randomUUID(), ts: Date.now(), text: 'ping' })); });
            rtts.push(performance.now() - t);
          }
          a.close(); b.close();
          return [ms, ...rtts];
        }
        """;

    public static async Task RunAsync(AppCluster app, int tries)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var web = app.Webs[0].BaseAddress;
        await using var alice = await Person.SignUpAsync(browser, web, "alice", "Alice Bench");
        await using var bob = await Person.SignUpAsync(browser, web, "bob", "Bob Bench");
        await alice.BefriendAsync(bob);
        var baselinePage = await bob.Context.NewPageAsync();
        await baselinePage.GotoAsync("/Account/SignIn"); // any http://127.0.0.1 page of ours

        List<double> open = [], bareOpen = [], rtt = [], bareRtt = [];
        for (var i = 0; i < tries; i++)
        {
            // A fresh session each try: reload, so no link exists yet.
            await alice.Page.ReloadAsync();
            await alice.Page.WaitForSelectorAsync("#connection[data-state=connected]");
            await alice.ContactRow("Bob Bench").Locator(".dot-online").WaitForAsync();
            open.Add(await alice.Page.EvaluateAsync<double>(OpenConversation, "Bob Bench"));
            for (var j = 0; j < 5; j++)
            {
                rtt.Add(await alice.Page.EvaluateAsync<double>(RoundTrip));
            }

            var bare = await baselinePage.EvaluateAsync<double[]>(BareOpen);
            bareOpen.Add(bare[0]);
            bareRtt.AddRange(bare.Skip(1));
        }

        Report.Section($"Browser messaging: {tries} tries, two Chromium contexts on loopback, one silo, one web node");
        var ours = new Stats("open conversation -> data channel open (ours)", open);
        var baseline = new Stats("bare RTCPeerConnection pair in one page", bareOpen);
        Report.Line(ours.ToString());
        Report.Line(baseline.ToString());
        Report.Line(Stats.Ratio(ours, baseline));
        var ourRtt = new Stats("message round trip: send -> delivered (ours)", rtt);
        var bareRttStats = new Stats("bare channel echo of the same frame", bareRtt);
        Report.Line(ourRtt.ToString());
        Report.Line(bareRttStats.ToString());
        Report.Line(Stats.Ratio(ourRtt, bareRttStats));
    }
}
