namespace Cybernet.EndToEnd.Tests;

[Collection(BrowserCollection.Name)]
public sealed class ConnectionRecoveryTests(BrowserFixture fixture)
{
    [Fact]
    public async Task A_connection_cut_by_the_network_shows_it_restarts_ICE_and_recovers()
    {
        await using var alice = await Person.SignUpAsync(fixture.Browser, fixture.Web, "alice", "Alice Liddell");
        await using var bob = await Person.SignUpAsync(fixture.Browser, fixture.Web, "bob", "Bob Builder");
        await alice.BefriendAsync(bob);
        await alice.OpenConversationAsync("Bob Builder");
        var linkState = alice.Page.Locator("#link-state");
        await Assertions.Expect(linkState).ToHaveAttributeAsync("data-state", "direct", new() { Timeout = Person.Patience });

        var bobId = await bob.Page.EvaluateAsync<string>("() => document.getElementById('app').dataset.userId");
        using (LoopbackFirewall.DropUdp())
        {
            await Assertions.Expect(linkState).ToHaveAttributeAsync("data-state", "connecting", new() { Timeout = 30_000 });
            // Still cut after the grace period: the link restarts ICE (new offer and answer through the hub). The cut is
            // of UDP only: Chromium may find the other side first over a TCP host pair, which is a recovery too (seen
            // once in CI under load), and is said here.
            var overTcp = false;
            await TestWait.UntilAsync(
                async () => await linkState.GetAttributeAsync("title") == "restarting ICE"
                    || (overTcp = (await alice.Page.EvaluateAsync<string>("async id => JSON.stringify(await window.cybernetDebug.ice(id))", bobId)).Contains("* host/tcp", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(30),
                "the link restarts ICE, or goes on over a TCP host pair");
            Console.WriteLine(overTcp ? "UDP cut: the link went on over a TCP host pair before its ICE restart" : "UDP cut: the link restarted ICE");
            await alice.Page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDir, "link-interrupted.png") });
        }

        await Assertions.Expect(linkState).ToHaveAttributeAsync("data-state", "direct", new() { Timeout = 40_000 });
        await alice.SendAsync("after the cut");
        await bob.OpenConversationAsync("Alice Liddell");
        await Assertions.Expect(bob.Incoming.First).ToContainTextAsync("after the cut", new() { Timeout = Person.Patience });
    }

    [Fact]
    public async Task Through_a_TURN_relay_with_signed_short_lived_credentials_the_link_shows_relayed()
    {
        await using var turn = await TurnServer.StartAsync();
        var relayWeb = await fixture.App!.AddWebAsync("web-relay", new Dictionary<string, string>
        {
            ["Ice:Servers:0:Urls:0"] = turn.UdpUrl,
            ["Ice:Servers:0:SharedSecret"] = turn.SharedSecret,
            ["Ice:TransportPolicy"] = "relay",
        });
        await using var alice = await Person.SignUpAsync(fixture.Browser, relayWeb.BaseAddress, "alice", "Alice Liddell");
        await using var bob = await Person.SignUpAsync(fixture.Browser, relayWeb.BaseAddress, "bob", "Bob Builder");
        await alice.BefriendAsync(bob);

        await alice.OpenConversationAsync("Bob Builder");
        await Assertions.Expect(alice.Page.Locator("#link-state")).ToHaveAttributeAsync("data-state", "relayed", new() { Timeout = Person.Patience });
        await Assertions.Expect(alice.Page.Locator("#link-state")).ToHaveTextAsync("Relayed connection");
        await alice.SendAsync("via the relay");
        await bob.OpenConversationAsync("Alice Liddell");
        await Assertions.Expect(bob.Incoming.First).ToContainTextAsync("via the relay", new() { Timeout = Person.Patience });
        Assert.Contains("session", turn.Output, StringComparison.OrdinalIgnoreCase);
        await alice.Page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDir, "link-relayed.png") });
    }

    [Fact]
    public async Task A_sign_in_that_expires_sends_the_open_tab_to_the_sign_in_page()
    {
        // The hub is WebSockets only and the browser skips negotiation; a refused WebSocket says only "failed", so the
        // tab must learn from the negotiate request that it was signed out, instead of reconnecting forever.
        var shortLived = await fixture.App!.AddWebAsync("web-short-sign-in", new Dictionary<string, string> { ["Accounts:CookieLifetime"] = "00:00:08" });
        await using var alice = await Person.SignUpAsync(fixture.Browser, shortLived.BaseAddress, "alice", "Alice Liddell");
        await Assertions.Expect(alice.Page.Locator("#connection")).ToHaveAttributeAsync("data-state", "connected");

        await TestWait.UntilAsync(() => Task.FromResult(alice.Page.Url.Contains("/Account/SignIn", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(40), "the tab goes to the sign-in page once its sign-in has expired");
        Assert.Contains("ReturnUrl=", alice.Page.Url, StringComparison.Ordinal);
        await Assertions.Expect(alice.Page.Locator("#Input_Login")).ToBeVisibleAsync();
    }
}
