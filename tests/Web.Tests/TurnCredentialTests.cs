using System.Text.Json;
using Cybernet.Testing;
using Cybernet.Web.Signaling;
using Microsoft.Playwright;

namespace Cybernet.Web.Tests;

/// <summary>
/// The production coturn file (deploy/turnserver.conf) against the credentials the web node signs: a real coturn,
/// a real Chromium asking it for a relay. Fresh credentials get one; expired ones and ones signed with another secret
/// are refused (401), so a leaked credential is worth minutes and a guessed secret nothing.
/// </summary>
public sealed class TurnCredentialTests
{
    // Gathers relay candidates only; resolves with the relay address, or null and the errors once gathering ends.
    private const string AskForRelay = """
        async ({ url, username, credential }) => {
          const pc = new RTCPeerConnection({ iceServers: [{ urls: url, username, credential }], iceTransportPolicy: 'relay' });
          const errors = [];
          pc.onicecandidateerror = e => errors.push(e.errorCode);
          const relay = new Promise(resolve => {
            pc.onicecandidate = e => { if (!e.candidate) resolve(null); else if (e.candidate.type === 'relay') resolve(e.candidate.address); };
          });
          pc.createDataChannel('probe');
          await pc.setLocalDescription();
          const address = await relay;
          pc.close();
          return JSON.stringify({ address, errors });
        }
        """;

    private static async Task<(string? Address, int[] Errors)> AskAsync(IPage page, string url, string username, string credential)
    {
        var json = await page.EvaluateAsync<string>(AskForRelay, new { url, username, credential });
        using var doc = JsonDocument.Parse(json);
        var address = doc.RootElement.GetProperty("address");
        return (address.ValueKind == JsonValueKind.Null ? null : address.GetString(), [.. doc.RootElement.GetProperty("errors").EnumerateArray().Select(e => e.GetInt32())]);
    }

    [Fact]
    public async Task The_production_coturn_file_relays_for_fresh_credentials_and_refuses_expired_ones_and_a_wrong_secret()
    {
        await using var turn = await TurnServer.StartProductionConfigAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        var user = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;

        // What the web node hands out: minutes ahead, signed with the shared secret. UDP, and TCP on the TLS port.
        var (username, credential) = TurnCredentials.Create(turn.SharedSecret, user, now.AddMinutes(10));
        var fresh = await AskAsync(page, turn.UdpUrl, username, credential);
        Assert.Equal("127.0.0.1", fresh.Address);
        var overTcp = await AskAsync(page, $"turn:127.0.0.1:{turn.TlsPort}?transport=tcp", username, credential);
        Assert.Equal("127.0.0.1", overTcp.Address);

        // Expired a minute ago: refused.
        var (oldName, oldCredential) = TurnCredentials.Create(turn.SharedSecret, user, now.AddMinutes(-1));
        var expired = await AskAsync(page, turn.UdpUrl, oldName, oldCredential);
        Assert.Null(expired.Address);
        Assert.Contains(401, expired.Errors);

        // Signed with another secret: refused.
        var (wrongName, wrongCredential) = TurnCredentials.Create("not-the-secret", user, now.AddMinutes(10));
        var wrong = await AskAsync(page, turn.UdpUrl, wrongName, wrongCredential);
        Assert.Null(wrong.Address);
        Assert.Contains(401, wrong.Errors);
    }

    [Fact]
    public void The_web_node_signs_credentials_for_minutes_not_hours()
    {
        var lifetime = new IceOptions().TurnCredentialLifetime;
        Assert.InRange(lifetime, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(30));
    }
}
