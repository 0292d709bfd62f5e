using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

using Microsoft.AspNetCore.SignalR.Client;

namespace Cybernet.Web.Tests;

/// <summary>A person using the app through real HTTP and a real SignalR connection.</summary>
public sealed partial class TestUser : IAsyncDisposable
{
    private readonly CookieContainer cookies = new();

    /// <summary>This user's sign-in cookie, for a client built by hand.</summary>
    public CookieContainer Cookies => cookies;

    private readonly HttpClient http;

    private TestUser(Uri web, string userName)
    {
        Web = web;
        UserName = userName;
        http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = web };
    }

    public Uri Web { get; }

    public string UserName { get; }

    public Guid Id { get; private set; }

    public HubConnection? Hub { get; private set; }

    public ConcurrentQueue<JsonElement> PresenceUpdates { get; } = new();

    public ConcurrentQueue<JsonElement> Signals { get; } = new();

    public ConcurrentQueue<JsonElement> Calls { get; } = new();

    public ConcurrentQueue<JsonElement> CallSignals { get; } = new();

    public const string Password = "correct horse 42";

    /// <summary>Someone who has not signed in.</summary>
    public static TestUser Anonymous(Uri web) => new(web, "");

    public static string NewName(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..20];

    public string Email => $"{UserName}@example.test";

    /// <summary>
    /// Signs up through the real form, confirms the address with the link that arrives at the real SMTP server,
    /// and signs in, keeping the cookie.
    /// </summary>
    public static async Task<TestUser> SignUpAsync(Uri web, string? userName = null)
    {
        var user = await SignUpUnconfirmedAsync(web, userName);
        var mail = await MailCatcher.GetSharedAsync();
        var email = await mail.WaitForAsync(user.Email, "Confirm your email address");
        var confirmed = await user.http.GetStringAsync((await mail.LinkAsync(email, "/Account/ConfirmEmail")).PathAndQuery);
        if (!confirmed.Contains("data-result=\"confirmed\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Confirmation failed:\n{confirmed}");
        }

        await user.SignInAsync();
        return user;
    }

    /// <summary>Posts the sign-up form and stops there: the account exists, its address is not confirmed.</summary>
    public static async Task<TestUser> SignUpUnconfirmedAsync(Uri web, string? userName = null)
    {
        var user = new TestUser(web, userName ?? NewName("user"));
        var response = await user.PostFormAsync("/Account/SignUp", new()
        {
            ["Input.UserName"] = user.UserName,
            ["Input.DisplayName"] = $"Test {user.UserName}",
            ["Input.Email"] = user.Email,
            ["Input.Password"] = Password,
            ["Input.TimeZone"] = "Europe/Berlin",
        });
        if (response.StatusCode != HttpStatusCode.Redirect || !response.Headers.Location!.ToString().Contains("/Account/CheckEmail", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Sign-up failed: {response.StatusCode}\n{await response.Content.ReadAsStringAsync()}");
        }

        return user;
    }

    /// <summary>Signs in through the real form; throws with the page's text when refused.</summary>
    public async Task SignInAsync(string password = Password)
    {
        var response = await PostFormAsync("/Account/SignIn", new()
        {
            ["Input.Login"] = UserName,
            ["Input.Password"] = password,
            ["Input.Remember"] = "true",
        });
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Sign-in refused: {response.StatusCode}\n{await response.Content.ReadAsStringAsync()}");
        }

        var page = await http.GetStringAsync("/");
        Id = Guid.Parse(UserIdAttribute().Match(page).Groups[1].Value);
    }

    /// <summary>The same account on another web node (another device): copies the sign-in cookie.</summary>
    public TestUser OnAnotherNode(Uri web)
    {
        var other = new TestUser(web, UserName) { Id = Id };
        foreach (Cookie c in cookies.GetAllCookies())
        {
            other.cookies.Add(web, new Cookie(c.Name, c.Value, "/"));
        }

        return other;
    }

    public async Task<HubConnection> ConnectAsync()
    {
        var hub = SessionHubClient.Build(Web, cookies);
        hub.On<JsonElement>("Presence", p => PresenceUpdates.Enqueue(p));
        hub.On<JsonElement>("Signal", s => Signals.Enqueue(s));
        hub.On<JsonElement>("Call", c => Calls.Enqueue(c));
        hub.On<JsonElement>("CallSignal", s => CallSignals.Enqueue(s));
        hub.On("ContactsChanged", () => { });
        await hub.StartAsync();
        Hub = hub;
        return hub;
    }

    /// <summary>The state ("online", "away", "offline") last pushed for <paramref name="userId"/>, or null.</summary>
    public string? LastPresenceOf(Guid userId) => PresenceUpdates
        .Where(p => p.GetProperty("userId").GetGuid() == userId)
        .Select(p => p.GetProperty("state").GetString())
        .LastOrDefault();

    /// <summary>The last update pushed about <paramref name="callId"/>, if any.</summary>
    public JsonElement? LastCall(Guid callId) => Calls
        .Where(c => c.GetProperty("callId").GetGuid() == callId)
        .Select(c => (JsonElement?)c)
        .LastOrDefault();

    public async Task<JsonElement> ContactsAsync() => await Hub!.InvokeAsync<JsonElement>("GetContacts");

    public async Task<HttpResponseMessage> PostFormAsync(string path, Dictionary<string, string> fields)
    {
        var form = await http.GetStringAsync(path);
        fields["__RequestVerificationToken"] = TokenInput().Match(form).Groups[1].Value;
        return await http.PostAsync(path, new FormUrlEncodedContent(fields));
    }

    public Task<HttpResponseMessage> GetAsync(string path) => http.GetAsync(path);

    /// <summary>The hub's negotiate request, as the browser sends it to learn whether a refused connect means "signed out".</summary>
    public Task<HttpResponseMessage> NegotiateAsync() => http.PostAsync("/hubs/session/negotiate?negotiateVersion=1", null);

    public async ValueTask DisposeAsync()
    {
        if (Hub is not null)
        {
            await Hub.DisposeAsync();
        }

        http.Dispose();
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenInput();

    [GeneratedRegex("data-user-id=\"([0-9a-f-]{36})\"")]
    private static partial Regex UserIdAttribute();
}

/// <summary>Makes two signed-up users accepted contacts through the hub.</summary>
public static class Befriend
{
    /// <summary>Signs up A on one node and B on another, connects both, makes them contacts and waits until A sees B online.</summary>
    public static async Task<(TestUser A, TestUser B)> OnlineContactsAsync(Uri webA, Uri webB)
    {
        var a = await TestUser.SignUpAsync(webA);
        var b = await TestUser.SignUpAsync(webB);
        await a.ConnectAsync();
        await b.ConnectAsync();
        await ContactsAsync(a, b);
        await TestWait.UntilAsync(() => Task.FromResult(a.LastPresenceOf(b.Id) == "online"), TimeSpan.FromSeconds(20), "A sees B online");
        return (a, b);
    }

    public static async Task ContactsAsync(TestUser a, TestUser b)
    {
        await a.Hub!.InvokeAsync<string>("RequestContact", b.UserName);
        await TestWait.UntilAsync(async () => (await b.ContactsAsync()).GetProperty("incoming").GetArrayLength() == 1, TimeSpan.FromSeconds(15), "the request reaches B");
        await b.Hub!.InvokeAsync("AcceptContact", a.Id);
        await TestWait.UntilAsync(async () => (await a.ContactsAsync()).GetProperty("contacts").GetArrayLength() == 1, TimeSpan.FromSeconds(15), "A sees B as a contact");
    }
}
