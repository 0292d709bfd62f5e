using Microsoft.Playwright;

namespace Cybernet.Testing;

/// <summary>A person at a browser: one Chromium context (own cookies and IndexedDB), one or more tabs.</summary>
public sealed class Person(IBrowserContext context, IPage page, string userName, string displayName) : IAsyncDisposable
{
    public const float Patience = 20_000;

    public IBrowserContext Context { get; } = context;

    public IPage Page { get; set; } = page;

    public string UserName { get; } = userName;

    public string DisplayName { get; } = displayName;

    public string Email => $"{UserName}@example.test";

    public static async Task<Person> SignUpAsync(IBrowser browser, Uri web, string prefix, string displayName) =>
        await SignUpAsync(await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = web.ToString() }), prefix, displayName);

    /// <summary>Signs up in a context made elsewhere (a persistent one, with its own browser process and disk).</summary>
    public static async Task<Person> SignUpAsync(IBrowserContext context, string prefix, string displayName)
    {
        var page = context.Pages.FirstOrDefault() ?? await context.NewPageAsync();
        var userName = $"{prefix}{Guid.NewGuid():N}"[..16];
        await page.GotoAsync("/Account/SignUp");
        await page.FillAsync("#Input_UserName", userName);
        await page.FillAsync("#Input_DisplayName", displayName);
        await page.FillAsync("#Input_Email", $"{userName}@example.test");
        await page.FillAsync("#Input_Password", "correct horse 42");
        await page.ClickAsync("button[type=submit]");
        try
        {
            // On the page's own content: WaitForURL, when the redirect already landed, waits for a load state that
            // Playwright sometimes never reports (seen in about one run in ten, with the page fully shown).
            await page.GetByRole(AriaRole.Heading, new() { Name = "Check your email" }).WaitForAsync(new() { Timeout = Patience });
            if (!page.Url.Contains("/Account/CheckEmail", StringComparison.Ordinal))
            {
                throw new TimeoutException("not on the check-email page");
            }
        }
        catch (TimeoutException error)
        {
            throw new InvalidOperationException($"Sign-up stayed at {page.Url}, which says:\n{await page.InnerTextAsync("body")}", error);
        }

        // The confirmation link arrives at the real SMTP server; open it as the person would, then sign in.
        var mail = await MailCatcher.GetSharedAsync();
        var email = await mail.WaitForAsync($"{userName}@example.test", "Confirm your email address");
        await page.GotoAsync((await mail.LinkAsync(email, "/Account/ConfirmEmail")).PathAndQuery);
        await page.WaitForSelectorAsync("#confirm-result[data-result=confirmed]", new() { Timeout = Patience });
        var person = new Person(context, page, userName, displayName);
        await person.SignInAsync(page);
        return person;
    }

    private async Task SignInAsync(IPage page)
    {
        await page.GotoAsync("/Account/SignIn");
        await page.FillAsync("#Input_Login", UserName);
        await page.FillAsync("#Input_Password", "correct horse 42");
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("#connection[data-state=connected]", new() { Timeout = Patience });
    }

    /// <summary>The same account signed in on another device: a separate browser context with its own storage.</summary>
    public async Task<Person> SignInOnAnotherDeviceAsync(IBrowser browser, Uri web)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = web.ToString() });
        var page = await context.NewPageAsync();
        var other = new Person(context, page, UserName, DisplayName);
        await other.SignInAsync(page);
        return other;
    }

    /// <summary>This person asks <paramref name="other"/> by username; the other accepts from their inbox.</summary>
    public async Task BefriendAsync(Person other)
    {
        await Page.FillAsync("#add-contact-name", other.UserName);
        await Page.ClickAsync("#add-contact button[type=submit]");
        var request = other.Page.Locator("#incoming li", new() { HasText = DisplayName });
        await request.Locator("button[data-action=accept]").ClickAsync(new() { Timeout = Patience });
        await ContactRow(other.DisplayName).WaitForAsync(new() { Timeout = Patience });
        await other.ContactRow(DisplayName).WaitForAsync(new() { Timeout = Patience });
    }

    public ILocator ContactRow(string displayName) => Page.Locator("#contacts li.contact", new() { HasText = displayName });

    public async Task OpenConversationAsync(string displayName)
    {
        await ContactRow(displayName).ClickAsync(new() { Timeout = Patience });
        await Page.WaitForSelectorAsync("#composer-input", new() { Timeout = Patience });
    }

    public async Task SendAsync(string text)
    {
        await Page.FillAsync("#composer-input", text);
        await Page.PressAsync("#composer-input", "Enter");
    }

    public ILocator Messages => Page.Locator("#messages li.message");

    public ILocator Incoming => Page.Locator("#messages li.message-in");

    public ILocator Outgoing => Page.Locator("#messages li.message-out");

    /// <summary>Opens the app in a fresh tab of the same browser (same account, same IndexedDB).</summary>
    public async Task<IPage> OpenNewTabAsync()
    {
        Page = await Context.NewPageAsync();
        await Page.GotoAsync("/");
        await Page.WaitForSelectorAsync("#connection[data-state=connected]", new() { Timeout = Patience });
        return Page;
    }

    /// <summary>Reloads the tab, waits until it is signed in and connected again, and opens a conversation.</summary>
    public async Task ReloadAsync(string openConversationWith)
    {
        await Page.ReloadAsync();
        await Page.WaitForSelectorAsync("#connection[data-state=connected]", new() { Timeout = Patience });
        await OpenConversationAsync(openConversationWith);
    }

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}
