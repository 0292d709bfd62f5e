using Cybernet.Web.Digests;

using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.Rendering;

namespace Cybernet.Web.Pages.Account;

/// <summary>Digest preferences: how often, the daily time, quiet hours and the time zone they are read in.</summary>
public sealed class NotificationsModel(UserManager<AppUser> users, DigestSettingsStore store) : PageModel
{
    public static readonly (string Value, string Label)[] Choices =
    [
        ("off", "Never"),
        ("quarter-hour", "After 15 minutes"),
        ("hourly", "After an hour"),
        ("daily", "Once a day"),
    ];

    [BindProperty]
    public string Frequency { get; set; } = "hourly";

    [BindProperty]
    public TimeOnly? DailyAt { get; set; }

    [BindProperty]
    public TimeOnly? QuietFrom { get; set; }

    [BindProperty]
    public TimeOnly? QuietUntil { get; set; }

    [BindProperty]
    public string? TimeZone { get; set; }

    public bool Saved { get; private set; }

    public bool Unsubscribed { get; private set; }

    public IEnumerable<SelectListItem> Zones => TimeZoneInfo.GetSystemTimeZones()
        .Where(z => z.Id.Contains('/', StringComparison.Ordinal) || z.Id == "UTC")
        .OrderBy(z => z.Id, StringComparer.Ordinal)
        .Select(z => new SelectListItem(z.Id.Replace('_', ' '), z.Id));

    public async Task<IActionResult> OnGetAsync()
    {
        if (await users.GetUserAsync(User) is not { } user)
        {
            return RedirectToPage("/Account/SignIn");
        }

        var settings = await store.GetAsync(user.Id, HttpContext.RequestAborted);
        Frequency = DigestSettings.ToDatabase(settings.Frequency);
        DailyAt = settings.DailyAt;
        QuietFrom = settings.QuietFrom;
        QuietUntil = settings.QuietUntil;
        TimeZone = settings.TimeZone;
        Unsubscribed = settings.UnsubscribedAt is not null;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (await users.GetUserAsync(User) is not { } user)
        {
            return RedirectToPage("/Account/SignIn");
        }

        if (!Choices.Any(c => c.Value == Frequency))
        {
            ModelState.AddModelError(nameof(Frequency), "Pick one of the choices.");
        }

        if (!DigestSchedule.IsKnownZone(TimeZone))
        {
            ModelState.AddModelError(nameof(TimeZone), "Pick a time zone from the list.");
        }

        if (QuietFrom.HasValue != QuietUntil.HasValue || (QuietFrom.HasValue && QuietFrom == QuietUntil))
        {
            ModelState.AddModelError(nameof(QuietFrom), "Quiet hours need a start and a different end, or neither.");
        }

        if (!ModelState.IsValid)
        {
            return Page();
        }

        var settings = new DigestSettings(DigestSettings.FromDatabase(Frequency), DailyAt ?? new TimeOnly(8, 0), QuietFrom, QuietUntil, TimeZone!, null);
        await store.SaveAsync(user.Id, settings, HttpContext.RequestAborted);
        Unsubscribed = settings.Frequency == DigestFrequency.Off && (await store.GetAsync(user.Id, HttpContext.RequestAborted)).UnsubscribedAt is not null;
        Saved = true;
        return Page();
    }
}
