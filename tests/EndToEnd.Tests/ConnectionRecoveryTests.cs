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

        using (LoopbackFirewall.DropUdp())
        {
            await Assertions.Expect(linkState).ToHaveAttributeAsync("data-state", "connecting", new() { Timeout = 30_000 });
            // Still cut after the grace period: the link restarts ICE (new offer and answer through the hub).
            await Assertions.Expect(linkState).ToHaveAttributeAsync("title", "restarting ICE", new() { Timeout = 30_000 });
            await alice.Page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDir, "link-interrupted.png") });
        }

        await Assertions.Expect(linkState).ToHaveAttributeAsync("data-state", "direct", new() { Timeout = 40_000 });
        await alice.SendAsync("after the cut");
        await bob.OpenConversationAsync("Alice Liddell");
        await Assertions.Expect(bob.Incoming.First).ToContainTextAsync("after the cut", new() { Timeout = Person.Patience });
    }
}
