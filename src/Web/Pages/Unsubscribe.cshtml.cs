using Cybernet.Web.Digests;

using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Cybernet.Web.Pages;

/// <summary>
/// The unsubscribe link of a digest. GET only asks (mail scanners open links); POST unsubscribes. The POST is
/// also RFC 8058's one-click unsubscribe, which mail providers send without cookies or a form token, so the
/// signed token in the address is the only credential (no antiforgery token is expected).
/// </summary>
[IgnoreAntiforgeryToken]
public sealed class UnsubscribeModel(UnsubscribeTokens tokens, DigestSettingsStore settings) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Token { get; set; }

    public bool Valid { get; private set; }

    public bool Done { get; private set; }

    public IActionResult OnGet()
    {
        Valid = tokens.Read(Token) is not null;
        if (!Valid)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (tokens.Read(Token) is not { } userId)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        await settings.UnsubscribeAsync(userId, HttpContext.RequestAborted);
        Valid = Done = true;
        return Page();
    }
}
