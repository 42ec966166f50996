"""The whole service in a real browser (Chromium, headless), on a 375 px
phone screen: a resident applies, a clerk approves, the resident downloads
the sealed PDF, and a third party verifies it on /verify.

Usage: flow.py BASE_URL CLERK_USER CLERK_PASSWORD ARTIFACT_DIR
Exits non-zero (with the reason) on the first failed check.
"""

import os
import sys

from playwright.sync_api import expect, sync_playwright

BASE, CLERK, PASSWORD, ARTIFACTS = sys.argv[1:5]
PHONE = {"width": 375, "height": 812}
CHROMIUM = os.environ.get("ESEAL_CHROMIUM", "/usr/bin/chromium")


def no_sideways_scroll(page, what):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{what}: page is {width}px wide on a {PHONE['width']}px screen"


def shot(page, name):
    page.screenshot(path=os.path.join(ARTIFACTS, f"browser-{name}.png"), full_page=True)


def main():
    os.makedirs(ARTIFACTS, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        resident = browser.new_context(viewport=PHONE, locale="zh-CN", accept_downloads=True)
        page = resident.new_page()

        # The resident picks the kind, finds the community, fills the form.
        page.goto(BASE + "/")
        expect(page.get_by_text("请选择要办理的证明")).to_be_visible()
        no_sideways_scroll(page, "home")
        shot(page, "1-home")
        page.get_by_role("link", name="经营场所证明").click()
        page.fill("#q", "繁荣")
        page.get_by_role("button", name="搜索").click()
        page.get_by_role("link", name="连云港市赣榆区青口镇繁荣社区居民委员会").click()
        expect(page.get_by_role("heading", name="经营场所证明")).to_be_visible()
        no_sideways_scroll(page, "form")

        # The browser refuses an empty required field before anything is sent.
        page.get_by_role("button", name="提交申请").click()
        assert page.evaluate("document.querySelector('#f_applicant_name').validity.valueMissing")
        expect(page).to_have_url(BASE + "/apply/business_premises/320707100002-01")

        values = {
            "applicant_name": "张三明",
            "applicant_id": "320707199003071234",  # wrong check digit: the server says so
            "premises_address": "赣榆区青口镇繁荣社区三组18号",
            "property_owner": "李建国",
            "area": "85.5",
            "business_use": "餐饮服务（小吃）",
            "shop_name": "赣榆区青口镇明记小吃店",
            "period": "2026-12-01至2029-11-30",
            "phone": "13812345678",
        }
        for name, value in values.items():
            page.fill(f"#f_{name}", value)
        page.select_option("#f_usage", "租赁")
        page.get_by_role("button", name="提交申请").click()
        expect(page.locator(".field-error[data-field=applicant_id]")).to_contain_text("校验码")
        expect(page.locator("#f_shop_name")).to_have_value("赣榆区青口镇明记小吃店")
        shot(page, "2-form-error")
        page.fill("#f_applicant_id", "320707199003071233")
        page.get_by_role("button", name="提交申请").click()
        expect(page.get_by_role("heading", name="申请已提交")).to_be_visible()
        no_sideways_scroll(page, "receipt")
        shot(page, "3-submitted")
        tracking = page.locator("#tracking-link").get_attribute("href")
        tracking_path = tracking[tracking.index("/a/"):]
        page.goto(BASE + tracking_path)
        expect(page.locator("#status")).to_have_text("已提交，等待受理")

        # The clerk logs in and approves.
        clerk = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
        clerk.goto(BASE + "/clerk/login")
        clerk.fill("#username", CLERK)
        clerk.fill("#password", "wrong password")
        clerk.get_by_role("button", name="登录").click()
        expect(clerk.get_by_role("alert")).to_contain_text("用户名或密码错误")
        clerk.fill("#username", CLERK)
        clerk.fill("#password", PASSWORD)
        clerk.get_by_role("button", name="登录").click()
        expect(clerk).to_have_url(BASE + "/clerk")
        no_sideways_scroll(clerk, "queue")
        shot(clerk, "4-queue")
        clerk.locator("a[href^='/clerk/applications/']").first.click()
        expect(clerk.get_by_text("320707199003071233")).to_be_visible()
        clerk.locator("#approve").click()
        expect(clerk.locator("#status")).to_have_text("已出具")
        shot(clerk, "5-approved")

        # The resident's page shows the download at once.
        page.goto(BASE + tracking_path)
        expect(page.locator("#status")).to_have_text("已出具")
        with page.expect_download() as d:
            page.locator("#download").click()
        pdf_path = os.path.join(ARTIFACTS, "browser-downloaded.pdf")
        d.value.save_as(pdf_path)
        with open(pdf_path, "rb") as f:
            assert f.read(5) == b"%PDF-", "the download is a PDF"
        shot(page, "6-issued")

        # A bank clerk verifies the PDF on /verify.
        bank = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
        bank.goto(BASE + "/verify")
        bank.set_input_files("#file", pdf_path)
        bank.get_by_role("button", name="开始验证").click()
        expect(bank.locator("#verdict")).to_have_attribute("data-verdict", "valid")
        expect(bank.locator("#verdict")).to_contain_text("有效")
        expect(bank.locator(".seal-image").first).to_be_visible()
        expect(bank.locator("#doc-number")).to_contain_text("赣榆青口繁荣")
        green = bank.evaluate("getComputedStyle(document.querySelector('#verdict')).borderLeftColor")
        assert green == "rgb(10, 122, 50)", f"the valid verdict is green, got {green}"
        no_sideways_scroll(bank, "verify")
        shot(bank, "7-verified")

        # A file that is not a PDF: a red verdict with the reason, not an error page.
        junk = os.path.join(ARTIFACTS, "not-a-pdf.pdf")
        with open(junk, "wb") as f:
            f.write(b"this is not a pdf")
        bank.goto(BASE + "/verify")
        bank.set_input_files("#file", junk)
        bank.get_by_role("button", name="开始验证").click()
        expect(bank.locator("#verdict")).to_have_attribute("data-verdict", "invalid")
        expect(bank.get_by_text("不是 PDF")).to_be_visible()

        browser.close()
    print("browser flow: ok")


if __name__ == "__main__":
    main()
