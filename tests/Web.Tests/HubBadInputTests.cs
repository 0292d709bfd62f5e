using System.Net;

using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Cybernet.Web.Tests;

/// <summary>Every mistake a client can make gets a readable error; the connection stays up and nothing is stored.</summary>
[Collection(ClusterCollection.Name)]
public sealed class HubBadInputTests(ClusterFixture fixture)
{
    private static async Task StillWorksAndStoredNothing(TestUser user)
    {
        Assert.Equal(HubConnectionState.Connected, user.Hub!.State);
        var contacts = await user.ContactsAsync();
        Assert.Equal(0, contacts.GetProperty("contacts").GetArrayLength());
        Assert.Equal(0, contacts.GetProperty("outgoing").GetArrayLength());
    }

    [Fact]
    public async Task Requesting_an_unknown_user_says_so()
    {
        await using var a = await TestUser.SignUpAsync(fixture.Web1);
        await a.ConnectAsync();

        var error = await Assert.ThrowsAsync<HubException>(() => a.Hub!.InvokeAsync<string>("RequestContact", "nobody-here-123"));
        Assert.Contains("No one is called @nobody-here-123", error.Message, StringComparison.Ordinal);

        var invalid = await Assert.ThrowsAsync<HubException>(() => a.Hub!.InvokeAsync<string>("RequestContact", "<script>"));
        Assert.Contains("not a valid username", invalid.Message, StringComparison.Ordinal);

        var self = await Assert.ThrowsAsync<HubException>(() => a.Hub!.InvokeAsync<string>("RequestContact", a.UserName));
        Assert.Contains("That is you", self.Message, StringComparison.Ordinal);
        await StillWorksAndStoredNothing(a);
    }

    [Fact]
    public async Task Signals_to_strangers_and_unknown_users_are_refused()
    {
        await using var a = await TestUser.SignUpAsync(fixture.Web1);
        await using var stranger = await TestUser.SignUpAsync(fixture.Web2);
        await a.ConnectAsync();
        await stranger.ConnectAsync();

        var toStranger = await Assert.ThrowsAsync<HubException>(() =>
            a.Hub!.InvokeAsync<object>("SendSignal", new { to = stranger.Id, kind = "offer", payload = "v=0" }));
        Assert.Contains("only signal your contacts", toStranger.Message, StringComparison.Ordinal);

        var toNobody = await Assert.ThrowsAsync<HubException>(() =>
            a.Hub!.InvokeAsync<object>("SendSignal", new { to = Guid.NewGuid(), kind = "offer", payload = "v=0" }));
        Assert.Contains("only signal your contacts", toNobody.Message, StringComparison.Ordinal);
        Assert.True(stranger.Signals.IsEmpty);

        var acceptNothing = await Assert.ThrowsAsync<HubException>(() => a.Hub!.InvokeAsync("AcceptContact", stranger.Id));
        Assert.Contains("no request", acceptNothing.Message, StringComparison.OrdinalIgnoreCase);
        await StillWorksAndStoredNothing(a);
    }

    [Fact]
    public async Task Oversized_and_malformed_signals_are_refused_and_the_connection_stays_up()
    {
        var (a, b) = await Befriend.OnlineContactsAsync(fixture.Web1, fixture.Web2);
        await using var disposeA = a;
        await using var disposeB = b;

        var big = await Assert.ThrowsAsync<HubException>(() =>
            a.Hub!.InvokeAsync<object>("SendSignal", new { to = b.Id, kind = "offer", payload = new string('x', 100_000) }));
        Assert.Contains("too large", big.Message, StringComparison.Ordinal);

        var noKind = await Assert.ThrowsAsync<HubException>(() =>
            a.Hub!.InvokeAsync<object>("SendSignal", new { to = b.Id, payload = "v=0" }));
        Assert.Contains("needs a kind", noKind.Message, StringComparison.Ordinal);

        var badKind = await Assert.ThrowsAsync<HubException>(() =>
            a.Hub!.InvokeAsync<object>("SendSignal", new { to = b.Id, kind = "rm -rf", payload = "v=0" }));
        Assert.Contains("Unknown signal kind", badKind.Message, StringComparison.Ordinal);

        var wrongType = await Assert.ThrowsAsync<HubException>(() => a.Hub!.InvokeAsync("AcceptContact", "not-a-guid"));
        Assert.Contains("AcceptContact", wrongType.Message, StringComparison.Ordinal);

        Assert.Equal(HubConnectionState.Connected, a.Hub!.State);
        Assert.True(b.Signals.IsEmpty);

        // A well-formed signal still goes through on the same connection.
        var ok = await a.Hub!.InvokeAsync<System.Text.Json.JsonElement>("SendSignal", new { to = b.Id, kind = "offer", payload = "v=0" });
        Assert.Equal("Delivered", ok.GetProperty("outcome").GetString());
        await TestWait.UntilAsync(() => Task.FromResult(!b.Signals.IsEmpty), TimeSpan.FromSeconds(10), "B gets the good signal");
    }

    [Fact]
    public async Task A_flood_of_signals_is_slowed_down_and_the_connection_stays_up()
    {
        var (a, b) = await Befriend.OnlineContactsAsync(fixture.Web1, fixture.Web2);
        await using var disposeA = a;
        await using var disposeB = b;

        // Pipelined batches until the bucket refuses: how many pass before that depends on how fast this machine
        // serves them against the refill rate, so the test keeps going (bounded) instead of guessing a count.
        var outcomes = new List<string>();
        for (var batch = 0; batch < 100 && !outcomes.Exists(IsRefusal); batch++)
        {
            outcomes.AddRange(await Task.WhenAll(Enumerable.Range(0, 100).Select(async i =>
            {
                try
                {
                    await a.Hub!.InvokeAsync<object>("SendSignal", new { to = b.Id, kind = "candidate", payload = $"{{\"n\":{i}}}" });
                    return "ok";
                }
                catch (HubException ex)
                {
                    return ex.Message;
                }
            })));
        }

        Assert.Contains(outcomes, IsRefusal);
        Assert.All(outcomes.Take(SignalBurst), o => Assert.Equal("ok", o));
        Assert.Equal(HubConnectionState.Connected, a.Hub!.State);
        await TestWait.UntilAsync(async () =>
        {
            try
            {
                await a.Hub!.InvokeAsync<object>("SendSignal", new { to = b.Id, kind = "candidate", payload = "{}" });
                return true;
            }
            catch (HubException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(10), "signals flow again once the bucket refills");
    }

    /// <summary>The hub's burst allowance (SignalRateLimiter.Burst): this many always pass from a full bucket.</summary>
    private const int SignalBurst = 200;

    private static bool IsRefusal(string outcome) => outcome.Contains("Too many signals", StringComparison.Ordinal);

    [Fact]
    public async Task ICE_servers_come_from_configuration()
    {
        var configured = await fixture.Cluster!.AddWebAsync("web-ice", new Dictionary<string, string>
        {
            ["Ice:Servers:0:Urls:0"] = "stun:stun.example.test:3478",
            ["Ice:Servers:1:Urls:0"] = "turn:turn.example.test:3478?transport=udp",
            ["Ice:Servers:1:SharedSecret"] = "shared secret",
            ["Ice:TransportPolicy"] = "relay",
        });
        await using var a = await TestUser.SignUpAsync(configured.BaseAddress);
        await a.ConnectAsync();

        var ice = await a.Hub!.InvokeAsync<System.Text.Json.JsonElement>("GetIceServers");

        Assert.Equal("relay", ice.GetProperty("transportPolicy").GetString());
        var servers = ice.GetProperty("servers");
        Assert.Equal(2, servers.GetArrayLength());
        Assert.Equal("stun:stun.example.test:3478", servers[0].GetProperty("urls")[0].GetString());

        // TURN: "expiry:userId" signed with the shared secret (coturn's use-auth-secret), expiring in minutes (10 by default).
        var username = servers[1].GetProperty("username").GetString()!;
        var parts = username.Split(':');
        Assert.Equal(a.Id.ToString("N"), parts[1]);
        var expires = DateTimeOffset.FromUnixTimeSeconds(long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(expires, DateTimeOffset.UtcNow.AddMinutes(9), DateTimeOffset.UtcNow.AddMinutes(11));
        var expected = Convert.ToBase64String(System.Security.Cryptography.HMACSHA1.HashData("shared secret"u8.ToArray(), System.Text.Encoding.UTF8.GetBytes(username)));
        Assert.Equal(expected, servers[1].GetProperty("credential").GetString());
    }

    [Fact]
    public async Task An_expired_sign_in_is_refused_and_closes_the_open_connection()
    {
        var shortLived = await fixture.Cluster!.AddWebAsync("web-short-cookie", new Dictionary<string, string> { ["Accounts:CookieLifetime"] = "00:00:03" });
        await using var a = await TestUser.SignUpAsync(shortLived.BaseAddress);
        var hub = await a.ConnectAsync();
        var closed = new TaskCompletionSource();
        hub.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };

        await closed.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // The WebSocket is refused (401 on the upgrade); the negotiate request, which the browser asks after a refused
        // connect, says why.
        var reconnect = await Assert.ThrowsAnyAsync<Exception>(() => a.ConnectAsync());
        Assert.Contains("401", reconnect.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await a.NegotiateAsync()).StatusCode);
        var page = await a.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Contains("/Account/SignIn", page.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_hub_speaks_WebSockets_only_and_refuses_strangers()
    {
        await using var a = await TestUser.SignUpAsync(fixture.Web1);

        // Negotiation still answers a signed-in client, and offers nothing but WebSockets.
        var negotiate = await a.NegotiateAsync();
        Assert.Equal(HttpStatusCode.OK, negotiate.StatusCode);
        using var offer = System.Text.Json.JsonDocument.Parse(await negotiate.Content.ReadAsStringAsync());
        var transports = offer.RootElement.GetProperty("availableTransports").EnumerateArray()
            .Select(t => t.GetProperty("transport").GetString()).ToList();
        Assert.Equal(["WebSockets"], transports);

        // A client that insists on long polling is refused.
        await using var polling = new HubConnectionBuilder()
            .WithUrl(new Uri(fixture.Web1, "/hubs/session"), Microsoft.AspNetCore.Http.Connections.HttpTransportType.LongPolling, o => o.Cookies = a.Cookies)
            .Build();
        await Assert.ThrowsAnyAsync<Exception>(() => polling.StartAsync());

        // Nobody signed in: 401 on the negotiate request and on the WebSocket itself.
        var stranger = TestUser.Anonymous(fixture.Web1);
        Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.NegotiateAsync()).StatusCode);
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => stranger.ConnectAsync());
        Assert.Contains("401", refused.ToString(), StringComparison.Ordinal);

        // And the signed-in one connects the browser's way.
        await a.ConnectAsync();
        Assert.Equal(HubConnectionState.Connected, a.Hub!.State);
    }
}
